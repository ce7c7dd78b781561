package io.longlink.testing;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;

/**
 * A real OAuth2 token endpoint for tests ({@code POST /oauth/token}, grant {@code client_credentials}, client id and
 * secret by HTTP Basic): issues {@code tk-1}, {@code tk-2}, ... that live {@link #lifetimeSeconds}, and says which
 * of them an upstream should accept ({@link #accepts}): issued, not expired, not revoked.
 */
public final class TokenServer {

    private final Vertx vertx;
    private final int port;
    private final String clientId;
    private final String clientSecret;
    private final AtomicInteger issued = new AtomicInteger();
    /** Expiry ({@link System#currentTimeMillis()}) of every token issued. */
    private final Map<String, Long> expiries = new ConcurrentHashMap<>();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    /** Every request's form body, in order. */
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public volatile int lifetimeSeconds = 60;
    /** Tokens issued from now on are not accepted by {@link #accepts}, as if signed with a key the upstream does not know. */
    public volatile boolean issuesBadTokens;
    private final Set<String> bad = ConcurrentHashMap.newKeySet();
    private volatile HttpServer server;

    public TokenServer(Vertx vertx, int port, String clientId, String clientSecret) {
        this.vertx = vertx;
        this.port = port;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
    }

    public synchronized TokenServer start() {
        if (server != null) {
            return this;
        }
        String expected = "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + clientSecret).getBytes());
        HttpServer s = vertx.createHttpServer(new HttpServerOptions().setHost("localhost").setPort(port));
        s.requestHandler(request -> request.body().onSuccess(body -> {
            requests.add(body.toString());
            if (!"/oauth/token".equals(request.path()) || !expected.equals(request.getHeader("Authorization"))
                    || !body.toString().contains("grant_type=client_credentials")) {
                request.response().setStatusCode(401).putHeader("Content-Type", "application/json")
                        .end("{\"error\":\"invalid_client\"}");
                return;
            }
            String token = "tk-" + issued.incrementAndGet();
            int lifetime = lifetimeSeconds;
            expiries.put(token, System.currentTimeMillis() + lifetime * 1000L);
            if (issuesBadTokens) {
                bad.add(token);
            }
            request.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                    .put("access_token", token).put("token_type", "Bearer").put("expires_in", lifetime).encode());
        }));
        try {
            server = s.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    public String url() {
        return "http://localhost:" + port + "/oauth/token";
    }

    /** Tokens issued so far. */
    public int issued() {
        return issued.get();
    }

    /** The token the upstream should now refuse. */
    public void revoke(String token) {
        revoked.add(token);
    }

    public boolean expired(String token) {
        Long expiry = expiries.get(token);
        return expiry == null || expiry <= System.currentTimeMillis();
    }

    /** An {@code Authorization} header an upstream accepts: a bearer token issued here, good and not expired. */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        String token = authorization.substring("Bearer ".length());
        return !expired(token) && !revoked.contains(token) && !bad.contains(token);
    }
}
