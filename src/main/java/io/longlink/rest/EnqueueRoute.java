package io.longlink.rest;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.longlink.config.LonglinkConfig;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /connections/{id}/messages} served by a Vert.x route ahead of Quarkus REST (with
 * {@code longlink.http.enqueue-route}, the default): the hottest endpoint, whose per-request work in Quarkus REST
 * (request scope, security interceptor, dynamic writer lookup) costs more than storing the message. Same contract
 * as {@link MessageResource#enqueue}, which still defines the operation in the OpenAPI document and serves it when
 * the route is off:
 *
 * <ul>
 * <li>Authentication is Quarkus HTTP security's (proactive, so the caller is known when this route runs; a
 * credential that does not verify was answered 401 already). Then, as {@code @RolesAllowed} and
 * {@link ConnectionAccess} do for the resource: anonymous 401, no {@code producer} role 403, a connection outside
 * the caller's patterns 403, whether or not it exists.</li>
 * <li>The body is read whole, at most {@code quarkus.http.limits.max-body-size} (a declared larger one was refused
 * before any route by {@link HttpLimitProblems}); then {@link EnqueueIntake} checks it as for the resource.</li>
 * <li>202 once the store has the message; every error through {@link ProblemMapper}.</li>
 * </ul>
 */
@ApplicationScoped
public class EnqueueRoute {

    private static final String PATH = "/connections/:id/messages";
    /** Quarkus' own default of {@code quarkus.http.limits.max-body-size}. */
    private static final long DEFAULT_MAX_BODY = 10240 * 1024L;

    private final EnqueueIntake intake;
    private final ProblemMapper problems;
    private final boolean enabled;
    private final long maxBodySize;

    public EnqueueRoute(EnqueueIntake intake, ProblemMapper problems, LonglinkConfig config,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        this.intake = intake;
        this.problems = problems;
        this.enabled = config.http().enqueueRoute();
        this.maxBodySize = maxBodySize.map(MemorySize::asLongValue).orElse(DEFAULT_MAX_BODY);
    }

    void install(@Observes Router router) {
        if (enabled) {
            // after authentication (an HTTP filter) and the upload limit, before Quarkus REST
            router.post(PATH).order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(this::handle);
        }
    }

    private void handle(RoutingContext context) {
        long startedNanos = System.nanoTime();
        String id = context.pathParam("id");
        String path = context.normalizedPath();
        SecurityIdentity caller = context.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null;
        if (caller == null || caller.isAnonymous()) {
            readThen(context, body -> send(context, problems.unauthorized(path)));
            return;
        }
        if (!caller.hasRole(Roles.PRODUCER)) {
            readThen(context, body -> send(context, problems.forbidden(path)));
            return;
        }
        readThen(context, body -> {
            try {
                ConnectionAccess.check(caller, id);
                HttpServerRequest request = context.request();
                EnqueueIntake.Checked checked = intake.check(id, request.getHeader(HttpHeaders.CONTENT_TYPE),
                        request.getHeader("Idempotency-Key"), request.getHeader("X-Expires-In"), body);
                checked.connection().enqueue(checked.request()).whenComplete((enqueued, failure) -> {
                    if (failure != null) {
                        send(context, problems.toResponse(failure, path));
                        return;
                    }
                    String messageId = Long.toString(enqueued.id());
                    intake.stored(id, System.nanoTime() - startedNanos);
                    context.response().setStatusCode(202)
                            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                            .putHeader(HttpHeaders.LOCATION, EnqueueIntake.location(id, messageId))
                            .end(EnqueueIntake.accepted(messageId, enqueued.state()));
                });
            } catch (RuntimeException e) {
                send(context, problems.toResponse(e, path));
            }
        });
    }

    /** Reads the whole body (bounded), then runs {@code then} with it; answers 413 beyond the bound. */
    private void readThen(RoutingContext context, java.util.function.Consumer<byte[]> then) {
        HttpServerRequest request = context.request();
        if (request.isEnded()) {
            Buffer read = context.body() == null ? null : context.body().buffer();
            then.accept(read == null ? new byte[0] : read.getBytes());
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] tooLarge = { false };
        request.handler(chunk -> {
            if (!tooLarge[0] && body.length() + chunk.length() > maxBodySize) {
                tooLarge[0] = true;
                tooLarge(context);
            } else if (!tooLarge[0]) {
                body.appendBuffer(chunk);
            }
        });
        request.exceptionHandler(failure -> {
            if (!context.response().ended()) {
                context.response().reset();
            }
        });
        request.endHandler(v -> {
            if (!tooLarge[0]) {
                then.accept(body.getBytes());
            }
        });
        request.resume();
    }

    private void tooLarge(RoutingContext context) {
        Response problem = problems.toResponse(new ProblemException(413, "request-too-large", "Request too large",
                "the body has more than " + maxBodySize + " bytes; this service accepts at most " + maxBodySize
                        + " (quarkus.http.limits.max-body-size)"),
                context.normalizedPath());
        // the rest of the body is not read: the connection cannot be reused
        context.response().putHeader(HttpHeaders.CONNECTION, "close")
                .endHandler(v -> context.request().connection().close());
        send(context, problem);
    }

    private static void send(RoutingContext context, Response answer) {
        HttpServerResponse response = context.response();
        if (response.ended()) {
            return;
        }
        response.setStatusCode(answer.getStatus());
        answer.getStringHeaders().forEach((name, values) -> values.forEach(v -> response.putHeader(name, v)));
        if (answer.getMediaType() != null) {
            response.putHeader(HttpHeaders.CONTENT_TYPE, answer.getMediaType().toString());
        }
        Object entity = answer.getEntity();
        response.end(entity == null ? "" : entity.toString());
    }
}
