package io.longlink;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.SseClient;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;

/**
 * Feed integrity on the packaged app against a real upstream: a feed that goes silent while the socket still answers
 * pings is replaced after {@code inbound.idle-timeout}; an upstream's "reconnect now" notice rotates the socket
 * make-before-break while a producer keeps sending, and no message is lost or reordered; a gap in the upstream's
 * sequence is counted in the status, streamed as {@code event: gap} and the message is logged.
 */
class FeedIntegrityIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static Vertx vertx;
    private static UpstreamServer upstream;
    private static PackagedApp app;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = new UpstreamServer(vertx, "127.0.0.1", 0).start();
        Map<String, String> config = new HashMap<>();
        config.put("longlink.store.path", UpstreamResource.freshStore().toString());
        String prefix = "longlink.connections.";
        config.put(prefix + "stale.url", upstream.url("/stale"));
        config.put(prefix + "stale.inbound.idle-timeout", "1s");
        config.put(prefix + "stale.heartbeat.interval", "200ms");
        // each socket lives past stable-after, so every replacement reconnects at once (a shorter-lived one would
        // continue the backoff, and three in a row would be reported as flapping: GoodClientTest)
        config.put(prefix + "stale.reconnect.stable-after", "500ms");
        config.put(prefix + "rotating.url", upstream.url("/rotating"));
        config.put(prefix + "rotating.rotate-on", "json:/event=reconnect");
        config.put(prefix + "gappy.url", upstream.url("/gappy"));
        config.put(prefix + "gappy.inbound.sequence.pointer", "/n");
        config.put(prefix + "gappy.inbound.sequence.on-gap", "record");
        app = PackagedApp.start("feed-integrity", config);
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        vertx.close();
    }

    private static JsonPath status(String id) {
        return given().baseUri("http://localhost").port(app.port()).get("/connections/{id}", id).then()
                .statusCode(200).extract().jsonPath();
    }

    @Test
    void aFeedThatGoesSilentIsReplacedAfterTheIdleTimeoutThoughItAnswersPings() {
        await().atMost(PATIENCE).until(() -> "OPEN".equals(status("stale").getString("state")));
        upstream.pushText("/stale", "{\"tick\":1}");
        // then silence: the upstream still answers the 200 ms pings, which do not count as data
        await().atMost(PATIENCE).until(() -> status("stale").getLong("generation") >= 2);
        JsonPath replaced = status("stale");
        assertEquals("no inbound message for 1s", replaced.getString("lastError"));
        assertTrue(upstream.path("/stale").closeCodes.contains(1000), upstream.path("/stale").closeCodes.toString());
        await().atMost(PATIENCE).until(() -> "OPEN".equals(status("stale").getString("state")));
    }

    @Test
    void aRotationAskedForByTheUpstreamLosesNoMessageAndKeepsTheirOrder() {
        await().atMost(PATIENCE).until(() -> "OPEN".equals(status("rotating").getString("state")));
        long generation = status("rotating").getLong("generation");
        int total = 400;
        for (int i = 0; i < total; i++) {
            if (i == total / 4) {
                upstream.pushText("/rotating", "{\"event\":\"reconnect\"}");
            }
            given().baseUri("http://localhost").port(app.port()).contentType("text/plain").body("m" + i)
                    .post("/connections/rotating/messages").then().statusCode(202);
        }
        await().atMost(PATIENCE).until(() -> status("rotating").getLong("generation") == generation + 1
                && upstream.path("/rotating").texts().contains("m" + (total - 1)));
        List<Integer> order = new ArrayList<>();
        upstream.path("/rotating").texts().forEach(t -> order.add(Integer.parseInt(t.substring(1))));
        for (int i = 0; i < total; i++) {
            assertTrue(order.contains(i), "m" + i + " lost");
        }
        for (int i = 1; i < order.size(); i++) {
            assertTrue(order.get(i) > order.get(i - 1), "out of order or twice at " + i + ": " + order);
        }
        assertEquals("OPEN", status("rotating").getString("state"));
        assertEquals(2, upstream.path("/rotating").socketCount(), "one rotation: the old socket and the new one");
        await().atMost(PATIENCE).until(() -> upstream.path("/rotating").openSockets() == 1);
        assertEquals(List.of(1000), upstream.path("/rotating").closeCodes, "the old socket closed with 1000");
    }

    @Test
    void aGapIsCountedStreamedAsAnEventAndTheMessageIsLogged() throws Exception {
        await().atMost(PATIENCE).until(() -> "OPEN".equals(status("gappy").getString("state")));
        for (int n : new int[] { 1, 2, 4 }) {
            upstream.pushText("/gappy", "{\"n\":" + n + "}");
        }
        await().atMost(PATIENCE).until(() -> status("gappy").getLong("gaps") == 1);
        List<String> logged = given().baseUri("http://localhost").port(app.port())
                .get("/connections/gappy/inbound?after=0").then().statusCode(200).extract().jsonPath()
                .getList("messages.data");
        assertEquals(List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":4}"), logged, "the message after the gap is logged");
        int port = RestAssured.port;
        RestAssured.port = app.port();
        try (SseClient events = SseClient.open("/connections/gappy/events", "0")) {
            await().atMost(PATIENCE).until(() -> events.events.stream().anyMatch(e -> "gap".equals(e.name())));
            SseClient.Event gap = events.events.stream().filter(e -> "gap".equals(e.name())).findFirst().orElseThrow();
            JsonPath data = new JsonPath(gap.data());
            assertEquals("gappy", data.getString("connection"));
            assertEquals(3, data.getLong("expected"));
            assertEquals(4, data.getLong("got"));
        } finally {
            RestAssured.port = port;
        }
        assertEquals("OPEN", status("gappy").getString("state"), "on-gap=record keeps the socket");
        assertEquals(1, upstream.path("/gappy").socketCount());
    }
}
