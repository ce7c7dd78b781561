package io.longlink;

import static io.longlink.testing.Api.PATIENCE;
import static io.longlink.testing.Api.awaitState;
import static io.longlink.testing.Api.close;
import static io.longlink.testing.Api.open;
import static io.longlink.testing.Api.send;
import static io.longlink.testing.Api.status;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Behaviour 5 of the core issue: the outbox accepts at once, keeps order, sends only when open. */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class OutboxTest {

    private static UpstreamServer.PathState alpha() {
        return UpstreamResource.main().path("/alpha");
    }

    @Test
    void textJsonAndBinaryGoOutByteForByteAsTheRightFrameType() {
        awaitState("alpha", "OPEN");
        int before = alpha().frames.size();
        byte[] binary = { 0, 1, 2, (byte) 0xff, (byte) 0xfe, 10, 13 };
        String unicode = "héllo, 长连接 ✓";
        given().contentType("text/plain; charset=utf-8").body(unicode.getBytes(StandardCharsets.UTF_8))
                .post("/connections/alpha/messages").then().statusCode(202);
        given().contentType("application/json").body("{\"a\":[1,2,3]}")
                .post("/connections/alpha/messages").then().statusCode(202);
        given().contentType("application/octet-stream").body(binary)
                .post("/connections/alpha/messages").then().statusCode(202);
        given().contentType("text/plain; charset=ISO-8859-1").body(new byte[] { (byte) 0xe9 })
                .post("/connections/alpha/messages").then().statusCode(202);
        await().atMost(PATIENCE).until(() -> alpha().frames.size() >= before + 4);
        List<UpstreamServer.Frame> frames = alpha().frames.subList(before, before + 4);
        assertFalse(frames.get(0).binary());
        assertEquals(unicode, frames.get(0).text());
        assertEquals("{\"a\":[1,2,3]}", frames.get(1).text());
        assertTrue(frames.get(2).binary());
        assertArrayEquals(binary, frames.get(2).data());
        assertEquals("é", frames.get(3).text());
    }

    @Test
    void enqueueAnswers202WithIdAndLocationAndTheMessageBecomesSent() {
        awaitState("alpha", "OPEN");
        var accepted = given().contentType("text/plain").body("tracked")
                .post("/connections/alpha/messages")
                .then().statusCode(202)
                .body("id", notNullValue())
                .body("state", equalTo("QUEUED"))
                .extract();
        String id = accepted.jsonPath().getString("id");
        String location = accepted.header("Location");
        assertTrue(location.endsWith("/connections/alpha/messages/" + id), location);
        await().atMost(PATIENCE).until(() -> "SENT".equals(given().get(location).jsonPath().getString("state")));
        given().get(location).then().statusCode(200)
                .body("id", equalTo(id))
                .body("enqueuedAt", notNullValue())
                .body("sentAt", notNullValue());
    }

    @Test
    void messagesWaitWhileClosedAndAreFlushedInOrderOnOpen() {
        close("manual");
        UpstreamServer.PathState manual = UpstreamResource.main().path("/manual");
        int before = manual.frames.size();
        List<String> ids = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add("closed-" + i);
            ids.add(send("manual", "closed-" + i));
        }
        assertEquals(50, status("manual").getInt("queued"));
        given().get("/connections/manual/messages/" + ids.get(0)).then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("sentAt", nullValue());
        assertEquals(before, manual.frames.size());

        open("manual");
        await().atMost(PATIENCE).until(() -> manual.frames.size() >= before + 50);
        assertEquals(expected, manual.texts().subList(before, before + 50));
        await().atMost(PATIENCE).until(() -> status("manual").getInt("queued") == 0);
        given().get("/connections/manual/messages/" + ids.get(49)).then().body("state", equalTo("SENT"));
        close("manual");
    }

    @Test
    void concurrentProducersLoseNothingAndEachProducerKeepsItsOrder() throws Exception {
        awaitState("beta", "OPEN");
        UpstreamServer.PathState beta = UpstreamResource.main().path("/beta");
        int before = beta.frames.size();
        int producers = 4;
        int each = 100;
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        List<Future<?>> done = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            done.add(pool.submit(() -> {
                for (int i = 0; i < each; i++) {
                    send("beta", producer + ":" + i);
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        await().atMost(PATIENCE).until(() -> beta.frames.size() >= before + producers * each);
        List<String> got = beta.texts().subList(before, before + producers * each);
        for (int p = 0; p < producers; p++) {
            String prefix = p + ":";
            List<String> mine = got.stream().filter(t -> t.startsWith(prefix)).toList();
            assertEquals(each, mine.size());
            for (int i = 0; i < each; i++) {
                assertEquals(prefix + i, mine.get(i));
            }
        }
    }

    @Test
    void fullOutboxAnswers503WithRetryAfterAndStoresNothing() {
        close("tiny");
        int queued = status("tiny").getInt("queued");
        for (int i = queued; i < 3; i++) {
            send("tiny", "fill-" + i);
        }
        given().contentType("text/plain").body("one-too-many")
                .post("/connections/tiny/messages")
                .then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", notNullValue())
                .body("status", equalTo(503))
                .body("type", endsWith("outbox-full"));
        assertEquals(3, status("tiny").getInt("queued"));
        // draining makes room again
        open("tiny");
        await().atMost(PATIENCE).until(() -> status("tiny").getInt("queued") == 0);
        assertFalse(UpstreamResource.main().path("/tiny").texts().contains("one-too-many"));
        close("tiny");
        send("tiny", "room-again");
        assertEquals(1, status("tiny").getInt("queued"));
        open("tiny");
        await().atMost(PATIENCE).until(() -> status("tiny").getInt("queued") == 0);
        close("tiny");
    }
}
