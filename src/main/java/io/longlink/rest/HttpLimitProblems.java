package io.longlink.rest;

import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * A body declared larger than {@code quarkus.http.limits.max-body-size} is refused by Quarkus' own route (order
 * {@link RouteConstants#ROUTE_ORDER_UPLOAD_LIMIT}) with an empty 413 before any resource, mapper or failure handler
 * runs; this route runs just before it and answers the same 413 as {@code application/problem+json}. A chunked body
 * (no length declared) would be counted by Quarkus REST while it reads it, and refused with an empty 413 too: this
 * route reads it first (bounded by the same limit, as Vert.x' body handler does; Quarkus REST then takes the body
 * read) and answers a body over the limit the same way. ({@link EnqueueRoute} reads its own bodies, bounded.)
 * <p>
 * Headers over {@code quarkus.http.limits.max-header-size} (431) and a request line over
 * {@code quarkus.http.limits.max-initial-line-length} (414) are refused by Vert.x' decoder before any route, with an
 * empty answer, and Quarkus offers no hook for its invalid-request handler. So the decoder's own limits are raised to
 * a ceiling ({@link #ceiling}: four times the setting, at least {@value #HEADER_FLOOR} bytes of headers and
 * {@value #LINE_FLOOR} of request line) and the first route of all enforces the configured limits, answering
 * {@code application/problem+json}. Only a request beyond the ceiling still gets the decoder's bare answer.
 */
@Singleton
public class HttpLimitProblems implements HttpServerOptionsCustomizer {

    static final int HEADER_FLOOR = 256 * 1024;
    static final int LINE_FLOOR = 64 * 1024;

    private final ObjectMapper json;
    private final Optional<MemorySize> maxBodySize;
    private final int maxHeaderSize;
    private final int maxInitialLineLength;

    public HttpLimitProblems(ObjectMapper json,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize,
            @ConfigProperty(name = "quarkus.http.limits.max-header-size", defaultValue = "20K") MemorySize maxHeaderSize,
            @ConfigProperty(name = "quarkus.http.limits.max-initial-line-length", defaultValue = "4096") int maxInitialLineLength) {
        this.json = json;
        this.maxBodySize = maxBodySize;
        this.maxHeaderSize = (int) Math.min(Integer.MAX_VALUE / 4, maxHeaderSize.asLongValue());
        this.maxInitialLineLength = Math.min(Integer.MAX_VALUE / 4, maxInitialLineLength);
    }

    /** The decoder's limit for a configured one: four times it, and at least {@code floor}. */
    static int ceiling(int configured, int floor) {
        return Math.max(floor, configured * 4);
    }

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        raiseDecoderLimits(options);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        raiseDecoderLimits(options);
    }

    @Override
    public void customizeDomainSocketServer(HttpServerOptions options) {
        raiseDecoderLimits(options);
    }

    private void raiseDecoderLimits(HttpServerOptions options) {
        options.setMaxHeaderSize(ceiling(maxHeaderSize, HEADER_FLOOR));
        options.setMaxInitialLineLength(ceiling(maxInitialLineLength, LINE_FLOOR));
    }

    void install(@Observes Router router) {
        router.route().order(RouteConstants.ROUTE_ORDER_BODY_HANDLER).handler(this::refuseTooLargeHead);
        maxBodySize.ifPresent(limit -> {
            BodyHandler chunkedBodies = BodyHandler.create(false).setBodyLimit(limit.asLongValue());
            router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1)
                    .handler(context -> refuseTooLarge(context, limit.asLongValue(), chunkedBodies))
                    .failureHandler(context -> {
                        if (context.statusCode() == 413 && !context.response().headWritten()) {
                            tooLarge(context, "the chunked body has more than " + limit.asLongValue()
                                    + " bytes; this service accepts at most " + limit.asLongValue()
                                    + " (quarkus.http.limits.max-body-size)");
                        } else {
                            context.next();
                        }
                    });
        });
    }

    private void refuseTooLarge(RoutingContext context, long limit, BodyHandler chunkedBodies) {
        if (refusedDeclaredTooLarge(context, limit)) {
            return;
        }
        String encoding = context.request().getHeader(HttpHeaders.TRANSFER_ENCODING);
        if (encoding != null && encoding.toLowerCase(java.util.Locale.ROOT).contains("chunked")
                && context.body().buffer() == null) {
            // reads the body (or fails the context with 413 beyond the limit), then continues the chain
            chunkedBodies.handle(context);
            return;
        }
        context.next();
    }

    /**
     * Answers the 413 and returns true when the request declares a body larger than {@code limit}; for a route that
     * runs before this one ({@link EnqueueRoute}).
     */
    boolean refusedDeclaredTooLarge(RoutingContext context, long limit) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        long declared;
        try {
            declared = length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            declared = -1;
        }
        if (declared <= limit) {
            return false;
        }
        tooLarge(context, "the body has " + declared + " bytes; this service accepts at most " + limit
                + " (quarkus.http.limits.max-body-size)");
        return true;
    }

    /** Answers 414 or 431 when the request line or the headers are over the configured limits. */
    private void refuseTooLargeHead(RoutingContext context) {
        var request = context.request();
        int line = request.method().name().length() + 1 + request.uri().length() + 1 + "HTTP/1.1".length();
        if (line > maxInitialLineLength) {
            answer(context, 414, "uri-too-long", "URI too long", "the request line has " + line
                    + " bytes; this service accepts at most " + maxInitialLineLength
                    + " (quarkus.http.limits.max-initial-line-length)");
            return;
        }
        long headers = headerBytes(request.headers());
        if (headers > maxHeaderSize) {
            answer(context, 431, "headers-too-large", "Request header fields too large", "the headers have "
                    + headers + " bytes; this service accepts at most " + maxHeaderSize
                    + " (quarkus.http.limits.max-header-size)");
            return;
        }
        context.next();
    }

    /** The headers' size as the decoder counts it: each line with its separator and line end. */
    static long headerBytes(MultiMap headers) {
        long size = 0;
        for (var header : headers) {
            size += header.getKey().length() + 2 + header.getValue().length() + 2;
        }
        return size;
    }

    /** The 413 problem; the connection is closed after it (the rest of the body is not read). */
    private void tooLarge(RoutingContext context, String detail) {
        answer(context, 413, "request-too-large", "Request too large", detail);
    }

    /** A problem answer that closes the connection (what follows the head is not read). */
    private void answer(RoutingContext context, int status, String slug, String title, String detail) {
        String body = ProblemMapper.body(json, status, slug, title, detail, context.request().path());
        context.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, ProblemMapper.PROBLEM_JSON)
                .putHeader(HttpHeaders.CONNECTION, "close")
                .endHandler(v -> context.request().connection().close())
                .end(body);
    }
}
