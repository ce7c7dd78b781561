package io.longlink.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.vertx.core.Vertx;

/**
 * kill -9 against the packaged app on a real SQLite file: every message answered 202 must reach the upstream,
 * in order; exactly once when nothing was in flight, at least once when the kill hit a flowing connection.
 */
class DurabilityIT {

    private static final String ID = "durable";
    /** Messages acknowledged before the kill. */
    private static final int ACKNOWLEDGED = 3000;
    private static final int PRODUCERS = 8;
    private static final Duration DELIVERY = Duration.ofSeconds(90);
    private static final Pattern MESSAGE_ID = Pattern.compile("\"id\"\\s*:\\s*\"(\\d+)\"");

    private static Vertx vertx;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() {
        vertx.close();
    }

    @Test
    void killedWhileTheUpstreamIsDownItSendsEveryAcknowledgedMessageOnceInOrder() throws Exception {
        Path store = UpstreamResource.freshStore();
        try (UpstreamServer upstream = new UpstreamServer(vertx, UpstreamResource.freePort())) {
            Map<String, String> config = config(store, upstream.url("/down"));
            Map<String, Long> acked;
            try (PackagedApp app = PackagedApp.start("durability-down-1", config)) {
                acked = enqueueThenKill(app);
            }
            try (PackagedApp app = PackagedApp.start("durability-down-2", config)) {
                upstream.start();
                List<String> received = awaitDelivery(upstream.path("/down"), acked);
                Set<String> distinct = new HashSet<>(received);
                System.out.printf("kill -9 with the upstream down: %d acknowledged, %d received, %d duplicates%n",
                        acked.size(), received.size(), received.size() - distinct.size());
                assertEquals(distinct.size(), received.size(), "a message arrived twice");
                assertInAcceptanceOrder(received, acked);
                assertEquals("SENT", state(app, acked.values().iterator().next()));
            }
        }
    }

    @Test
    void killedMidFlowItSendsEveryAcknowledgedMessageAtLeastOnce() throws Exception {
        Path store = UpstreamResource.freshStore();
        try (UpstreamServer upstream = new UpstreamServer(vertx, UpstreamResource.freePort()).start()) {
            Map<String, String> config = config(store, upstream.url("/flow"));
            Map<String, Long> acked;
            int beforeKill;
            try (PackagedApp app = PackagedApp.start("durability-flow-1", config)) {
                acked = enqueueThenKill(app);
                beforeKill = upstream.path("/flow").frames.size();
            }
            try (PackagedApp app = PackagedApp.start("durability-flow-2", config)) {
                List<String> received = awaitDelivery(upstream.path("/flow"), acked);
                int duplicates = received.size() - new HashSet<>(received).size();
                System.out.printf("kill -9 mid-flow: %d acknowledged, %d received before the kill, %d received in all,"
                        + " %d duplicates%n", acked.size(), beforeKill, received.size(), duplicates);
                assertTrue(beforeKill > 0, "the kill should hit a flowing connection");
                List<String> firsts = new ArrayList<>(new java.util.LinkedHashSet<>(received));
                assertInAcceptanceOrder(firsts, acked);
            }
        }
    }

    @Test
    void aStoreThatCannotBeWrittenAnswers503ProblemJson() throws Exception {
        Path notADirectory = Files.writeString(UpstreamResource.freshStore().resolveSibling("plain-file"), "x");
        Map<String, String> config = config(notADirectory.resolve("longlink.db"), "ws://localhost:1/nowhere");
        try (PackagedApp app = PackagedApp.start("durability-unwritable", config)) {
            HttpResponse<String> response = post(app, "hello");
            assertEquals(503, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
            assertTrue(response.headers().firstValue("Retry-After").isPresent());
            assertTrue(response.body().contains("store-unavailable"), response.body());
            // the pod is unready (the store is the reason) while still alive
            assertEquals(503, app.httpStatus("/q/health/ready"));
            HttpResponse<String> ready = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(app.uri("/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(ready.body().replace(" ", "").contains("\"writable\":false"), ready.body());
            assertEquals(200, app.httpStatus("/q/health/live"));
        }
    }

    // --- helpers ---

    private static Map<String, String> config(Path store, String url) {
        Map<String, String> config = new HashMap<>();
        config.put("longlink.store.path", store.toString());
        UpstreamResource.connection(config, ID, url);
        config.put("longlink.connections." + ID + ".reconnect.max-attempts", "-1");
        config.put("longlink.connections." + ID + ".outbox.capacity", "100000");
        return config;
    }

    /**
     * Producers post numbered messages until {@link #ACKNOWLEDGED} were answered 202, then the app is killed while
     * requests are still in flight. Returns the acknowledged payloads with their message ids.
     */
    private Map<String, Long> enqueueThenKill(PackagedApp app) throws InterruptedException {
        Map<String, Long> acked = new ConcurrentHashMap<>();
        ExecutorService producers = Executors.newFixedThreadPool(PRODUCERS);
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            producers.submit(() -> {
                for (int seq = 0; !Thread.currentThread().isInterrupted(); seq++) {
                    String payload = "p" + producer + "-" + seq;
                    HttpResponse<String> response = post(app, payload);
                    if (response.statusCode() != 202) {
                        throw new IllegalStateException("enqueue answered " + response.statusCode());
                    }
                    Matcher id = MESSAGE_ID.matcher(response.body());
                    if (!id.find()) {
                        throw new IllegalStateException("no id in " + response.body());
                    }
                    acked.put(payload, Long.parseLong(id.group(1)));
                }
                return null;
            });
        }
        await().atMost(DELIVERY).until(() -> acked.size() >= ACKNOWLEDGED);
        app.kill();
        producers.shutdownNow();
        producers.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        return Map.copyOf(acked);
    }

    private static List<String> awaitDelivery(UpstreamServer.PathState path, Map<String, Long> acked) {
        await().atMost(DELIVERY).until(() -> new HashSet<>(path.texts()).containsAll(acked.keySet()));
        return path.texts();
    }

    /** Acknowledged messages arrived in the order of their ids, which is the order they were accepted in. */
    private static void assertInAcceptanceOrder(List<String> received, Map<String, Long> acked) {
        long last = 0;
        for (String payload : received) {
            Long id = acked.get(payload);
            if (id != null) {
                assertTrue(id > last, payload + " (id " + id + ") arrived after id " + last);
                last = id;
            }
        }
    }

    private HttpResponse<String> post(PackagedApp app, String text) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(app.uri("/connections/" + ID + "/messages"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(text)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private String state(PackagedApp app, long messageId) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(app.uri("/connections/" + ID + "/messages/" + messageId)).build();
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        Matcher state = Pattern.compile("\"state\"\\s*:\\s*\"(\\w+)\"").matcher(body);
        return state.find() ? state.group(1) : body;
    }
}
