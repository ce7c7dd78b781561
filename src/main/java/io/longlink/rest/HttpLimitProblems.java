package io.longlink.rest;

import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * A body declared larger than {@code quarkus.http.limits.max-body-size} is refused by Quarkus' own route (order
 * {@link RouteConstants#ROUTE_ORDER_UPLOAD_LIMIT}) with an empty 413 before any resource, mapper or failure handler
 * runs; this route runs just before it and answers the same 413 as {@code application/problem+json}.
 */
@Singleton
public class HttpLimitProblems {

    private final ObjectMapper json;
    private final Optional<MemorySize> maxBodySize;

    public HttpLimitProblems(ObjectMapper json,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        this.json = json;
        this.maxBodySize = maxBodySize;
    }

    void install(@Observes Router router) {
        maxBodySize.ifPresent(limit -> router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1)
                .handler(context -> refuseDeclaredTooLarge(context, limit.asLongValue())));
    }

    private void refuseDeclaredTooLarge(RoutingContext context, long limit) {
        if (!refusedDeclaredTooLarge(context, limit)) {
            context.next();
        }
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
        String body = ProblemMapper.body(json, 413, "request-too-large", "Request too large",
                "the body has " + declared + " bytes; this service accepts at most " + limit
                        + " (quarkus.http.limits.max-body-size)",
                context.request().path());
        // the body was not read: the connection cannot be reused
        context.response().setStatusCode(413)
                .putHeader(HttpHeaders.CONTENT_TYPE, ProblemMapper.PROBLEM_JSON)
                .putHeader(HttpHeaders.CONNECTION, "close")
                .endHandler(v -> context.request().connection().close())
                .end(body);
        return true;
    }
}
