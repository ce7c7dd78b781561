package io.longlink.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A real webhook receiver for tests: a Vert.x HTTP server that checks every request as a Standard Webhooks
 * receiver would (the signature computed here, independently of longlink's signer; {@code webhook-id} equal to
 * {@code <connection>-<first seq>}; a fresh timestamp), answers per path with a status and a delay the test sets,
 * and records what it acknowledged. It can be killed (connections dropped) and started again on the same port.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request the receiver answered 2xx (recorded when it answers, whether or not the caller still listens). */
    public record Batch(String path, String webhookId, String connection, List<Long> seqs, List<String> data,
            Instant arrived) {
        public long first() {
            return seqs.get(0);
        }

        public long last() {
            return seqs.get(seqs.size() - 1);
        }
    }

    private record Behaviour(int status, long delayMillis) {
    }

    private final Vertx vertx;
    private final int port;
    private final byte[] key;
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    /** Batches answered 2xx. */
    public final List<Batch> acknowledged = new CopyOnWriteArrayList<>();
    /** Every request received, per path. */
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    /** Requests whose signature, id or timestamp was wrong, with the reason. */
    public final List<String> invalid = new CopyOnWriteArrayList<>();
    private volatile HttpServer server;

    public WebhookReceiver(Vertx vertx, int port, byte[] key) {
        this.vertx = vertx;
        this.port = port;
        this.key = key;
    }

    public String url(String path) {
        return "http://localhost:" + port + path;
    }

    /** Answers requests on {@code path} with {@code status} after {@code delay}. */
    public WebhookReceiver answer(String path, int status, Duration delay) {
        behaviours.put(path, new Behaviour(status, delay.toMillis()));
        return this;
    }

    public int requests(String path) {
        AtomicInteger n = requests.get(path);
        return n == null ? 0 : n.get();
    }

    public List<Batch> acknowledged(String path) {
        return acknowledged.stream().filter(b -> b.path().equals(path)).toList();
    }

    /** Every seq acknowledged on the path, in arrival order, duplicates included. */
    public List<Long> seqs(String path) {
        List<Long> seqs = new ArrayList<>();
        acknowledged(path).forEach(b -> seqs.addAll(b.seqs()));
        return seqs;
    }

    public long maxSeq(String path) {
        return acknowledged(path).stream().mapToLong(Batch::last).max().orElse(0);
    }

    public synchronized WebhookReceiver start() {
        if (server == null) {
            HttpServer s = vertx.createHttpServer().requestHandler(this::handle);
            server = await(s.listen(port, "localhost"));
        }
        return this;
    }

    /** Stops listening and drops open connections, as a crashed receiver would. */
    public synchronized void kill() {
        HttpServer s = server;
        server = null;
        if (s != null) {
            await(s.close());
        }
    }

    @Override
    public void close() {
        kill();
    }

    private void handle(HttpServerRequest request) {
        requests.computeIfAbsent(request.path(), p -> new AtomicInteger()).incrementAndGet();
        request.body().onSuccess(buffer -> {
            String body = buffer.toString(StandardCharsets.UTF_8);
            Behaviour behaviour = behaviours.getOrDefault(request.path(), new Behaviour(200, 0));
            Batch batch = check(request, body);
            Runnable respond = () -> {
                if (behaviour.status() / 100 == 2 && batch != null) {
                    acknowledged.add(batch);
                }
                request.response().setStatusCode(behaviour.status()).end();
            };
            if (behaviour.delayMillis() > 0) {
                vertx.setTimer(behaviour.delayMillis(), t -> respond.run());
            } else {
                respond.run();
            }
        });
    }

    /** The batch, or null (and a reason in {@link #invalid}) when the request is not a valid signed webhook. */
    private Batch check(HttpServerRequest request, String body) {
        String id = request.getHeader("webhook-id");
        String timestamp = request.getHeader("webhook-timestamp");
        String signatures = request.getHeader("webhook-signature");
        if (id == null || timestamp == null || signatures == null) {
            invalid.add("missing headers: id=" + id + " timestamp=" + timestamp);
            return null;
        }
        if (Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp)) > 300) {
            invalid.add(id + ": timestamp " + timestamp + " is not fresh");
        }
        String expected = "v1," + hmac(id + "." + timestamp + "." + body);
        boolean signed = false;
        for (String signature : signatures.split(" ")) {
            signed |= signature.equals(expected);
        }
        if (!signed) {
            invalid.add(id + ": bad signature");
        }
        JsonObject json = new JsonObject(body);
        JsonArray messages = json.getJsonArray("messages");
        List<Long> seqs = new ArrayList<>();
        List<String> data = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonObject m = messages.getJsonObject(i);
            seqs.add(m.getLong("seq"));
            data.add(m.getString("data"));
            if (m.getString("receivedAt") == null || !"text".equals(m.getString("type"))) {
                invalid.add(id + ": message without receivedAt or of another type: " + m);
            }
        }
        String connection = json.getString("connection");
        if (seqs.isEmpty() || !id.equals(connection + "-" + seqs.get(0))) {
            invalid.add(id + ": id does not name the connection and first seq " + seqs);
        }
        return signed ? new Batch(request.path(), id, connection, seqs, data, Instant.now()) : null;
    }

    private String hmac(String content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
