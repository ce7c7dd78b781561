package io.longlink.cluster;

import java.net.URI;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.config.LonglinkConfig;
import io.longlink.connection.ConnectionRegistry;
import io.longlink.rest.Problem;
import io.quarkus.logging.Log;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Cluster mode: any instance answers any request. A request on {@code /connections/{id}} or under it (enqueue,
 * open, close, inbound, events, a runtime spec's PUT and DELETE; a status read is answered here from what the
 * owner published) for a connection another instance owns is forwarded to that instance as it came (method, path, headers,
 * body; the owner authenticates it) and its answer streamed back, server-sent events included. With no live owner
 * (a takeover in progress) it answers 503 {@code no-owner} with {@code Retry-After}, or 503
 * {@code store-unavailable} while the database cannot be reached (then no lease can be renewed or taken: the
 * database is the cause, not a takeover). A forwarded request is never
 * forwarded again: the instance it reaches serves it or answers 503.
 *
 * <p>Runs before authentication and before the body is read, on the event loop; the body is piped, not buffered.
 */
@ApplicationScoped
public class OwnerRouter {

    /** Marks a request one instance forwarded to another; its value is the forwarding instance's id. */
    static final String FORWARDED = "X-Longlink-Forwarded-By";

    private static final Set<CharSequence> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "host");

    void install(@Observes Router router, ClusterMode mode, ConnectionRegistry registry, Vertx vertx,
            LonglinkConfig config, ObjectMapper json) {
        Cluster cluster = mode.cluster();
        if (cluster == null) {
            return;
        }
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(64).setKeepAlive(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.cluster().leaseTtl().toMillis())));
        long retryAfter = Math.max(1, config.cluster().retryAfter().toSeconds());
        long storeRetryAfter = Math.max(1, config.store().retryAfter().toSeconds());
        long patience = config.cluster().leaseTtl().toMillis();
        router.routeWithRegex("/connections/([a-z0-9][a-z0-9-]{0,62})(/.*|)")
                .order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 10)
                .handler(ctx -> route(ctx, ctx.pathParam("param0"), ctx.pathParam("param1"), cluster, registry, client,
                        new RetryAfter(retryAfter, storeRetryAfter), patience, json));
    }

    /** {@code Retry-After} seconds of a 503 {@code no-owner} and of a 503 {@code store-unavailable}. */
    private record RetryAfter(long noOwner, long storeUnavailable) {
    }

    private static void route(RoutingContext ctx, String id, String rest, Cluster cluster, ConnectionRegistry registry,
            HttpClient client, RetryAfter retryAfter, long patience, ObjectMapper json) {
        HttpServerRequest request = ctx.request();
        boolean statusRead = rest.isEmpty() && request.method() == HttpMethod.GET;
        if (!servedElsewhere(cluster, registry, id)) {
            // an unknown id gets its 404 (or, for a PUT, is created) here
            ctx.next();
            return;
        }
        Cluster.Lease lease = cluster.lease(id);
        boolean elsewhere = lease != null && lease.live() && lease.ownerUrl() != null && !cluster.holds(id)
                && !cluster.instanceId().equals(lease.owner());
        if (statusRead) {
            // answered here: the status the owner published with its last renewal (not waiting on a slow owner)
            ctx.next();
            return;
        }
        if (request.getHeader(FORWARDED) != null || !elsewhere) {
            String databaseTrouble = cluster.databaseTrouble();
            if (databaseTrouble != null) {
                // no owner because no instance can renew a lease: the database is the cause, say so
                problem(ctx, 503, "store-unavailable", "Store unavailable", id, retryAfter.storeUnavailable(), json,
                        "the cluster's database cannot be reached now (" + databaseTrouble + "); connection " + id
                                + " has no owner until it can; nothing was done; retry later");
                return;
            }
            noOwner(ctx, id, retryAfter.noOwner(), json, cluster.holds(id)
                    ? "this instance is taking connection " + id + " over; retry in a moment"
                    : "no instance owns connection " + id + " right now (a takeover is under way); retry in a moment");
            return;
        }
        forward(ctx, lease.ownerUrl(), cluster.instanceId(), client, id, retryAfter.noOwner(),
                "/requests".equals(rest) ? requestPatience(registry, id, patience) : patience, json);
    }

    /**
     * A request ({@code POST .../requests}) waits for its reply up to {@code requests.max-timeout}: the owner is given
     * that long plus the usual patience before the forward counts as unanswered.
     */
    private static long requestPatience(ConnectionRegistry registry, String id, long patience) {
        var connection = registry.find(id);
        return connection == null ? patience : connection.config().requests().maxTimeout().toMillis() + patience;
    }

    /**
     * Whether a request for connection {@code id} is another instance's to serve (this router forwards it): a known
     * connection whose lease this instance does not hold. An unknown id is answered here (404, or created by a PUT).
     */
    public static boolean servedElsewhere(Cluster cluster, ConnectionRegistry registry, String id) {
        return cluster != null && registry.find(id) != null && !cluster.mayAct(id);
    }

    /**
     * Forwards the request to {@code owner}. An owner that does not answer within {@code patience} (the lease TTL: a
     * paused or dead owner) gets the request reset and the client a 504 {@code owner-timeout} (what the owner did is
     * unknown); one that cannot be reached, a 503 {@code no-owner}; an event stream, once its head arrived, may
     * then stay quiet for as long as it likes.
     */
    private static void forward(RoutingContext ctx, URI owner, String self, HttpClient client, String id,
            long retryAfter, long patience, ObjectMapper json) {
        HttpServerRequest request = ctx.request();
        boolean buffered = ctx.body() != null && ctx.body().available();
        if (!buffered) {
            request.pause();
        }
        RequestOptions options = new RequestOptions().setMethod(request.method())
                .setAbsoluteURI(owner.resolve(request.uri()).toString()).setIdleTimeout(patience);
        client.request(options).onComplete(created -> {
            if (created.failed()) {
                request.resume();
                noOwner(ctx, id, retryAfter, json, "the owner of connection " + id + " cannot be reached now ("
                        + created.cause().getMessage() + "); retry in a moment");
                return;
            }
            HttpClientRequest out = created.result();
            request.headers().forEach(h -> {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase())) {
                    out.headers().add(h.getKey(), h.getValue());
                }
            });
            out.putHeader(FORWARDED, self);
            out.response().onComplete(answered -> {
                if (answered.failed()) {
                    if (!ctx.response().headWritten()) {
                        // the request reached the owner: what it did is unknown, so this is no "not stored" 503
                        problem(ctx, 504, "owner-timeout", "Owner timeout", id, retryAfter, json, "the owner of "
                                + "connection " + id + " did not answer (" + answered.cause().getMessage()
                                + "); it may have done what was asked: repeat the request (an enqueue with the same"
                                + " Idempotency-Key) to find out");
                    }
                    return;
                }
                var in = answered.result();
                String type = in.getHeader(HttpHeaders.CONTENT_TYPE);
                if (type != null && type.startsWith("text/event-stream")) {
                    out.idleTimeout(0);
                }
                HttpServerResponse response = ctx.response();
                response.setStatusCode(in.statusCode());
                in.headers().forEach(h -> {
                    if (!HOP_BY_HOP.contains(h.getKey().toLowerCase())) {
                        response.headers().add(h.getKey(), h.getValue());
                    }
                });
                if (!in.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                    response.setChunked(true);
                }
                // a client that goes away (an SSE reader) ends the forwarded request too
                response.closeHandler(v -> out.connection().close());
                in.pipeTo(response);
            });
            if (buffered) {
                out.send(ctx.body().buffer());
            } else if (request.headers().contains(HttpHeaders.CONTENT_LENGTH)
                    || request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
                if (!request.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                    out.setChunked(true);
                }
                out.send(request);
            } else {
                request.resume();
                out.send();
            }
        });
    }

    private static void noOwner(RoutingContext ctx, String id, long retryAfter, ObjectMapper json, String detail) {
        problem(ctx, 503, "no-owner", "No owner", id, retryAfter, json, detail);
    }

    private static void problem(RoutingContext ctx, int status, String slug, String title, String id,
            long retryAfter, ObjectMapper json, String detail) {
        Problem problem = new Problem(Problem.TYPE_BASE + slug, title, status, detail, ctx.request().path());
        String body;
        try {
            body = json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + status + "}";
        }
        Log.debugf("[%s] %s", id, detail);
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json")
                .putHeader("Retry-After", Long.toString(retryAfter)).end(body);
    }
}
