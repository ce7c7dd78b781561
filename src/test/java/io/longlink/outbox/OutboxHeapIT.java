package io.longlink.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The outbox is bounded by disk, not heap: a 128 MiB JVM with the upstream down takes 600 MiB of 1 MiB messages
 * (every answer 202 or 503 {@code outbox-full}, never a 500), and restarted with the same heap it starts and sends
 * every acknowledged message, in order.
 */
class OutboxHeapIT {

    private static final String ID = "heavy";
    private static final int MIB = 1024 * 1024;
    /** Messages that fit {@code outbox.max-bytes}; the test posts a few more, which must be refused. */
    private static final int FITS = 600;
    private static final int POSTED = FITS + 10;
    private static final List<String> SMALL_HEAP = List.of("-Xmx128m");
    private static final Pattern MESSAGE_ID = Pattern.compile("\"id\"\\s*:\\s*\"(\\d+)\"");
    private static final Pattern HEAP_USED = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.E+]+)");

    private static Vertx vertx;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() {
        vertx.close();
    }

    @Test
    void aQueueLargerThanTheHeapIsAcceptedAndDrainsInOrderAfterARestart() throws Exception {
        Path store = UpstreamResource.freshStore();
        try (UpstreamServer upstream = new UpstreamServer(vertx, UpstreamResource.freePort())) {
            Map<String, String> config = new HashMap<>();
            config.put("longlink.store.path", store.toString());
            UpstreamResource.connection(config, ID, upstream.url("/heavy"));
            config.put("longlink.connections." + ID + ".outbox.max-bytes", Long.toString((long) FITS * MIB));
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            Map<Integer, Long> ids = new ConcurrentHashMap<>();
            try (PackagedApp app = PackagedApp.start("outbox-heap-1", config, SMALL_HEAP)) {
                postAll(app, statuses, ids);
                System.out.printf("-Xmx128m, %d posts of 1 MiB with the upstream down: %s; RSS %d MiB, heap used %d MiB%n",
                        POSTED, statuses, app.residentBytes() / MIB, heapUsed(app) / MIB);
                assertEquals(Map.of(202, FITS, 503, POSTED - FITS), statuses, "answers by status");
                assertEquals(FITS, ids.size());
                assertTrue(app.isAlive());
                app.terminate();
                assertEquals(0, app.awaitExit(Duration.ofSeconds(30)));
            }
            try (PackagedApp app = PackagedApp.start("outbox-heap-2", config, SMALL_HEAP)) {
                upstream.start();
                UpstreamServer.PathState path = upstream.path("/heavy");
                await().atMost(Duration.ofMinutes(3)).until(() -> path.frames.size() >= FITS);
                System.out.printf("-Xmx128m restart: %d messages of 1 MiB drained; RSS %d MiB, heap used %d MiB%n",
                        path.frames.size(), app.residentBytes() / MIB, heapUsed(app) / MIB);
                List<Long> order = new ArrayList<>();
                for (UpstreamServer.Frame frame : path.frames) {
                    assertEquals(MIB, frame.data().length);
                    order.add(ids.get(Integer.parseInt(new String(frame.data(), 0, 8, StandardCharsets.US_ASCII).trim())));
                }
                List<Long> accepted = new ArrayList<>(ids.values());
                accepted.sort(null);
                assertEquals(accepted, order, "every acknowledged message, in the order accepted (by id)");
            }
        }
    }

    /** Two producers post numbered 1 MiB text messages; each answer must be 202 or 503 outbox-full. */
    private void postAll(PackagedApp app, Map<Integer, Integer> statuses, Map<Integer, Long> ids)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<String> unexpected = new ArrayList<>();
        ExecutorService producers = Executors.newFixedThreadPool(2);
        for (int p = 0; p < 2; p++) {
            producers.submit(() -> {
                for (int n = next.getAndIncrement(); n < POSTED; n = next.getAndIncrement()) {
                    byte[] body = new byte[MIB];
                    java.util.Arrays.fill(body, (byte) 'x');
                    byte[] number = String.format("%8d", n).getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(number, 0, body, 0, number.length);
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(app.uri("/connections/" + ID + "/messages"))
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "text/plain")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    statuses.merge(response.statusCode(), 1, Integer::sum);
                    Matcher id = MESSAGE_ID.matcher(response.body());
                    if (response.statusCode() == 202 && id.find()) {
                        ids.put(n, Long.parseLong(id.group(1)));
                    }
                    if (response.statusCode() == 503 && !response.body().contains("outbox-full")
                            || response.statusCode() != 202 && response.statusCode() != 503) {
                        synchronized (unexpected) {
                            unexpected.add(response.statusCode() + " " + response.body());
                        }
                    }
                }
                return null;
            });
        }
        producers.shutdown();
        assertTrue(producers.awaitTermination(5, TimeUnit.MINUTES), "posting took too long");
        assertEquals(List.of(), unexpected);
    }

    private long heapUsed(PackagedApp app) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(app.uri("/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = HEAP_USED.matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return (long) sum;
    }
}
