package io.longlink.rest;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.longlink.cluster.Cluster;
import io.longlink.cluster.ClusterMode;
import io.longlink.cluster.OwnerRouter;
import io.longlink.config.LonglinkConfig;
import io.longlink.connection.ConnectionRegistry;
import io.longlink.security.ApiCredentialsMechanism;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniSubscriber;
import io.smallrye.mutiny.subscription.UniSubscription;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /connections/{id}/messages}, {@code POST /connections/{id}/messages:batch} and
 * {@code POST /connections/{id}/requests} served by a Vert.x route (with {@code longlink.http.enqueue-route}, the
 * default): the hottest endpoints, whose per-request work in Quarkus REST (request scope, security interceptor,
 * dynamic writer lookup) and in the filters every request passes (proactive authentication's Mutiny chain with
 * context propagation, the REST observability filter that builds a path matcher per request, the authorizer) cost
 * more than storing the message (or than a request's round trip on a local socket). Same contract as
 * {@link MessageResource#enqueue}, {@link MessageResource#enqueueBatch} and {@link RequestResource#request}, which
 * still serve them when the route is off (the OpenAPI document describes them):
 *
 * <ul>
 * <li>The route runs ahead of Quarkus HTTP security's filters (after CORS, order {@value #ORDER}) and asks the same
 * mechanism ({@link ApiCredentialsMechanism}) and identity providers (Quarkus' {@link IdentityProviderManager},
 * SmallRye JWT's provider, the augmentors) that proactive authentication would: a credential that does not verify
 * is answered with the mechanism's 401 challenge, an anonymous caller 401, no {@code producer} role 403, a connection
 * outside the caller's patterns 403, whether or not it exists.</li>
 * <li>In a cluster, a request for a connection another instance owns is left to the chain
 * ({@link io.longlink.cluster.OwnerRouter} forwards it).</li>
 * <li>A declared body larger than {@code quarkus.http.limits.max-body-size} is refused as {@link HttpLimitProblems}
 * refuses it; otherwise the body is read whole, at most that many bytes; then {@link EnqueueIntake} checks it as for
 * the resource.</li>
 * <li>202 once the store has the message; every error through {@link ProblemMapper}. A request is measured by
 * {@code longlink_enqueue_duration_seconds}, not by the HTTP server metrics (see application.properties).</li>
 * </ul>
 */
@ApplicationScoped
public class EnqueueRoute {

    /** Route order: after the CORS filter (-300), before authentication (-200) and authorization (-100). */
    static final int ORDER = -250;
    private static final String PREFIX = "/connections/";
    private static final String MESSAGES = "/messages";
    /** After {@code /messages}: the batch's colon as sent, or percent-encoded (as some clients send it), then this. */
    private static final String BATCH = "batch";
    private static final String REQUESTS = "/requests";
    /** Quarkus' own default of {@code quarkus.http.limits.max-body-size}. */
    private static final long DEFAULT_MAX_BODY = 10240 * 1024L;

    private final EnqueueIntake intake;
    private final ProblemMapper problems;
    private final HttpLimitProblems limits;
    private final ApiCredentialsMechanism credentials;
    private final IdentityProviderManager identities;
    private final ConnectionRegistry registry;
    /** Null for a single instance. */
    private final Cluster cluster;
    private final boolean enabled;
    private final long maxBodySize;

    public EnqueueRoute(EnqueueIntake intake, ProblemMapper problems, HttpLimitProblems limits,
            ApiCredentialsMechanism credentials, IdentityProviderManager identities, ConnectionRegistry registry,
            ClusterMode clusterMode, LonglinkConfig config,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        this.intake = intake;
        this.problems = problems;
        this.limits = limits;
        this.credentials = credentials;
        this.identities = identities;
        this.registry = registry;
        this.cluster = clusterMode.cluster();
        this.enabled = config.http().enqueueRoute();
        this.maxBodySize = maxBodySize.map(MemorySize::asLongValue).orElse(DEFAULT_MAX_BODY);
    }

    void install(@Observes Router router) {
        if (enabled) {
            router.route().order(ORDER).handler(this::route);
        }
    }

    /** What a path this route serves asks for. */
    enum Kind {
        MESSAGE, BATCH, REQUEST
    }

    /** A path this route serves: the connection's id, and what it asks for. */
    record Served(String id, Kind kind) {
    }

    /**
     * {@code /connections/{id}/messages}, {@code .../messages:batch} (colon sent or percent-encoded) or
     * {@code .../requests}, recognised by hand: a path pattern, and the parameter map Vert.x Web fills for it, cost
     * more than storing a message. Null for any other path, and for an id with a percent-escape: ids are
     * {@link ConnectionRegistry#ID}, so it can only escape a plain character, and the chain's resource decodes it.
     */
    static Served served(String path) {
        int slash = path.startsWith(PREFIX) ? path.indexOf('/', PREFIX.length()) : -1;
        if (slash <= PREFIX.length() || path.lastIndexOf('%', slash) >= 0) {
            return null;
        }
        String id = path.substring(PREFIX.length(), slash);
        if (path.startsWith(REQUESTS, slash)) {
            return path.length() == slash + REQUESTS.length() ? new Served(id, Kind.REQUEST) : null;
        }
        if (!path.startsWith(MESSAGES, slash)) {
            return null;
        }
        int end = slash + MESSAGES.length();
        int colonEnd = path.startsWith(":", end) ? end + 1 : path.regionMatches(true, end, "%3A", 0, 3) ? end + 3 : -1;
        boolean batch = colonEnd > 0 && path.length() == colonEnd + BATCH.length() && path.startsWith(BATCH, colonEnd);
        return path.length() == end || batch ? new Served(id, batch ? Kind.BATCH : Kind.MESSAGE) : null;
    }

    private void route(RoutingContext context) {
        Served served = context.request().method() == HttpMethod.POST ? served(context.normalizedPath()) : null;
        if (served == null) {
            context.next();
        } else {
            handle(context, served.id(), served.kind());
        }
    }

    private void handle(RoutingContext context, String id, Kind kind) {
        long startedNanos = System.nanoTime();
        if (OwnerRouter.servedElsewhere(cluster, registry, id)) {
            // another instance owns it: the rest of the chain authenticates and forwards it
            context.next();
            return;
        }
        if (limits.refusedDeclaredTooLarge(context, maxBodySize)) {
            return;
        }
        SecurityIdentity open = credentials.openCaller();
        if (open != null) {
            admit(context, id, open, startedNanos, kind);
            return;
        }
        Context loop = Vertx.currentContext();
        Uni<SecurityIdentity> caller;
        try {
            caller = credentials.authenticate(context, identities);
        } catch (RuntimeException e) {
            readThen(context, body -> send(context, problems.toResponse(e, context.normalizedPath())));
            return;
        }
        // a plain subscriber: subscribe().with(...) would wrap both callbacks for context propagation
        caller.subscribe().withSubscriber(new UniSubscriber<SecurityIdentity>() {
            @Override
            public void onSubscribe(UniSubscription subscription) {
            }

            @Override
            public void onItem(SecurityIdentity identity) {
                onLoop(loop, () -> admit(context, id, identity, startedNanos, kind));
            }

            @Override
            public void onFailure(Throwable failure) {
                onLoop(loop, () -> authenticationFailed(context, failure));
            }
        });
    }

    /** Runs {@code task} now when on the request's event loop, else there (an identity provider may answer elsewhere). */
    private static void onLoop(Context loop, Runnable task) {
        if (loop == null || Vertx.currentContext() == loop) {
            task.run();
        } else {
            loop.runOnContext(v -> task.run());
        }
    }

    /** Authentication failed: the mechanism's 401 for a credential that does not verify, else the mapped problem. */
    private void authenticationFailed(RoutingContext context, Throwable failure) {
        readThen(context, body -> {
            if (failure instanceof AuthenticationFailedException) {
                credentials.sendChallenge(context).subscribe().withSubscriber(new UniSubscriber<Boolean>() {
                    @Override
                    public void onSubscribe(UniSubscription subscription) {
                    }

                    @Override
                    public void onItem(Boolean sent) {
                    }

                    @Override
                    public void onFailure(Throwable e) {
                        send(context, problems.toResponse(e, context.normalizedPath()));
                    }
                });
            } else {
                send(context, problems.toResponse(failure, context.normalizedPath()));
            }
        });
    }

    private void admit(RoutingContext context, String id, SecurityIdentity caller, long startedNanos, Kind kind) {
        String path = context.normalizedPath();
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
                switch (kind) {
                    case BATCH -> storeBatch(context, id, body, startedNanos);
                    case REQUEST -> request(context, id, body);
                    default -> store(context, id, body, startedNanos);
                }
            } catch (RuntimeException e) {
                if (kind == Kind.REQUEST) {
                    // a request is not an enqueue: its outcomes are counted by the request metrics
                    send(context, problems.toResponse(e, path));
                } else {
                    refuse(context, id, problems.toResponse(e, path));
                }
            }
        });
    }

    private void store(RoutingContext context, String id, byte[] body, long startedNanos) {
        HttpServerRequest request = context.request();
        EnqueueIntake.Checked checked = intake.check(id, request.getHeader(HttpHeaders.CONTENT_TYPE),
                request.getHeader("Idempotency-Key"), request.getHeader("X-Expires-In"), body);
        checked.connection().enqueue(checked.request()).whenComplete((enqueued, failure) -> {
            if (failure != null) {
                refuse(context, id, problems.toResponse(failure, context.normalizedPath()));
                return;
            }
            String messageId = Long.toString(enqueued.id());
            intake.stored(id, System.nanoTime() - startedNanos);
            context.response().setStatusCode(202)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.LOCATION, EnqueueIntake.location(id, messageId))
                    .end(EnqueueIntake.accepted(messageId, enqueued.state()));
        });
    }

    /** As {@link MessageResource#enqueueBatch}: a JSON array (415 for another media type), all or nothing. */
    private void storeBatch(RoutingContext context, String id, byte[] body, long startedNanos) {
        HttpServerRequest request = context.request();
        if (!isJson(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
            // what Quarkus REST throws for the resource's @Consumes, answered by the same mapper
            throw new jakarta.ws.rs.NotSupportedException();
        }
        EnqueueIntake.CheckedBatch checked = intake.checkBatch(id, request.getHeader("Idempotency-Key"), body);
        checked.connection().enqueueAll(checked.requests()).whenComplete((stored, failure) -> {
            if (failure != null) {
                refuse(context, id, problems.toResponse(failure, context.normalizedPath()));
                return;
            }
            intake.stored(id, System.nanoTime() - startedNanos);
            context.response().setStatusCode(202)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(EnqueueIntake.batchAccepted(stored));
        });
    }

    /** As {@link RequestResource#request}: a JSON body (415 for another media type), answered with its reply. */
    private void request(RoutingContext context, String id, byte[] body) {
        HttpServerRequest request = context.request();
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (!isJson(contentType)) {
            throw new jakarta.ws.rs.NotSupportedException();
        }
        RequestResource.reply(intake, id, request.getParam("timeout"), contentType, body)
                .whenComplete((reply, failure) -> {
                    if (failure != null) {
                        send(context, problems.toResponse(ProblemMapper.unwrapped(failure), context.normalizedPath()));
                        return;
                    }
                    context.response().setStatusCode(200)
                            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                            .putHeader(RequestResource.REQUEST_ID, reply.requestId())
                            .putHeader(RequestResource.ROUND_TRIP, Long.toString(reply.roundTripNanos() / 1_000_000))
                            .end(reply.body());
                });
    }

    /** {@code application/json}, with or without parameters, as {@code @Consumes} matches it. */
    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
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

    /** Sends an error answer to an enqueue of {@code id} and counts it. */
    private void refuse(RoutingContext context, String id, Response answer) {
        if (!context.response().ended()) {
            intake.refused(id, answer.getStatus());
        }
        send(context, answer);
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
