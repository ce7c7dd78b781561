package io.longlink.inbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;

/**
 * Durable inbound on the packaged app: an upstream pushes 1000 messages; longlink is stopped with SIGTERM, and in a
 * second run killed with SIGKILL, and restarted on the same store each time. A cursor reader and an SSE client
 * resume from their positions with no gap, and new messages continue the sequence. SIGTERM loses nothing; SIGKILL
 * may lose only frames that no reader had seen (never committed), so what survives is a gapless prefix.
 */
class InboundDurabilityIT {

    private static final String ID = "feed";
    private static final int PUSHED = 1000;
    private static final int READER_AT = 600;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

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
    void cursorsAndStreamsResumeAcrossSigtermAndSigkillWithNoGap() throws Exception {
        Path store = UpstreamResource.freshStore();
        try (UpstreamServer upstream = new UpstreamServer(vertx, UpstreamResource.freePort()).start()) {
            Map<String, String> config = new HashMap<>();
            config.put("longlink.store.path", store.toString());
            UpstreamResource.connection(config, ID, upstream.url("/feed"));
            config.put("longlink.connections." + ID + ".inbound.cache", "100");

            try (PackagedApp app = PackagedApp.start("inbound-sigterm-1", config)) {
                awaitOpen(app, upstream);
                long started = System.nanoTime();
                IntStream.rangeClosed(1, PUSHED).forEach(i -> upstream.pushText("/feed", "m-" + i));
                await().atMost(PATIENCE).until(() -> read(app, PUSHED - 1).size() == 1);
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("inbound: %d frames pushed and readable (committed, sync=full) in %.2f s: %.0f msg/s%n",
                        PUSHED, seconds, PUSHED / seconds);
                assertEquals(texts("m-", 1, PUSHED), data(readAll(app, 0)));
                app.terminate();
                assertEquals(0, app.awaitExit(Duration.ofSeconds(30)));
            }

            long survived;
            try (PackagedApp app = PackagedApp.start("inbound-sigterm-2", config)) {
                List<Seen> resumed = readAll(app, READER_AT);
                assertEquals(texts("m-", READER_AT + 1, PUSHED), data(resumed), "cursor resumes after SIGTERM");
                assertEquals(READER_AT + 1, resumed.get(0).seq());
                assertEquals(texts("m-", READER_AT + 1, PUSHED), stream(app, READER_AT, PUSHED - READER_AT),
                        "SSE resumes after Last-Event-ID");

                awaitOpen(app, upstream);
                Thread pusher = new Thread(() -> IntStream.rangeClosed(1, PUSHED).forEach(i -> upstream.pushText("/feed", "k-" + i)));
                pusher.start();
                // kill while frames are still arriving; what a reader saw before is what must survive
                await().atMost(PATIENCE).until(() -> !read(app, PUSHED + PUSHED / 2).isEmpty());
                List<Seen> seen = readAll(app, PUSHED);
                app.kill();
                survived = seen.get(seen.size() - 1).seq();
                pusher.join();
            }

            try (PackagedApp app = PackagedApp.start("inbound-sigkill", config)) {
                List<Seen> after = readAll(app, PUSHED);
                int kept = after.size();
                System.out.printf("inbound SIGKILL mid-flow: %d frames readable before the kill, %d stored after it%n",
                        survived - PUSHED, kept);
                assertTrue(kept >= survived - PUSHED, "a message a reader had seen was lost");
                assertEquals(texts("k-", 1, kept), data(after), "what survives is a gapless prefix, in order");
                assertEquals(PUSHED + kept, after.get(kept - 1).seq());

                awaitOpen(app, upstream);
                upstream.pushText("/feed", "after-restart");
                await().atMost(PATIENCE).until(() -> !read(app, PUSHED + kept).isEmpty());
                Seen next = read(app, PUSHED + kept).get(0);
                assertEquals(PUSHED + kept + 1, next.seq(), "the sequence goes on");
                assertEquals("after-restart", next.data());
                assertEquals(List.of("after-restart"), stream(app, PUSHED + kept, 1));
            }
        }
    }

    private void awaitOpen(PackagedApp app, UpstreamServer upstream) {
        await().atMost(PATIENCE).until(() -> get(app, "/connections/" + ID).contains("\"state\":\"OPEN\"")
                && upstream.path("/feed").openSockets() == 1);
    }

    /** One inbound message as a reader sees it. */
    private record Seen(long seq, String data) {
    }

    private List<Seen> read(PackagedApp app, long after) throws Exception {
        JsonPath page = new JsonPath(get(app, "/connections/" + ID + "/inbound?limit=1000&after=" + after));
        List<Long> seqs = page.getList("messages.seq", Long.class);
        List<String> data = page.getList("messages.data", String.class);
        List<Seen> messages = new ArrayList<>();
        for (int i = 0; i < seqs.size(); i++) {
            messages.add(new Seen(seqs.get(i), data.get(i)));
        }
        return messages;
    }

    private List<Seen> readAll(PackagedApp app, long after) throws Exception {
        List<Seen> all = new ArrayList<>();
        for (List<Seen> page = read(app, after); !page.isEmpty(); page = read(app, after)) {
            all.addAll(page);
            after = page.get(page.size() - 1).seq();
        }
        return all;
    }

    /** The data of the first {@code count} SSE events after {@code lastEventId}, checking their ids follow on. */
    private List<String> stream(PackagedApp app, long lastEventId, int count) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(app.uri("/connections/" + ID
                + "/inbound/stream")).header("Accept", "text/event-stream")
                .header("Last-Event-ID", Long.toString(lastEventId)).build(), HttpResponse.BodyHandlers.ofInputStream());
        List<String> ids = new CopyOnWriteArrayList<>();
        List<String> data = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("id:")) {
                        ids.add(line.substring(3).trim());
                    } else if (line.startsWith("data:")) {
                        data.add(new JsonPath(line.substring(5).trim()).getString("data"));
                    }
                }
            } catch (Exception e) {
                // the stream ends when the test closes it
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(PATIENCE).until(() -> data.size() >= count);
        } finally {
            response.body().close();
        }
        List<String> expectedIds = new ArrayList<>();
        for (long seq = lastEventId + 1; seq <= lastEventId + count; seq++) {
            expectedIds.add(Long.toString(seq));
        }
        assertEquals(expectedIds, ids.subList(0, count));
        return data.subList(0, count);
    }

    private String get(PackagedApp app, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(app.uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static List<String> data(List<Seen> messages) {
        return messages.stream().map(Seen::data).toList();
    }

    private static List<String> texts(String prefix, int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> prefix + i).toList();
    }
}
