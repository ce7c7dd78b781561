package io.longlink;

import static io.longlink.testing.Api.PATIENCE;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.Api;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** {@code POST /connections/{id}/messages:batch}: all or nothing, contiguous ids, array order, each frame type. */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class BatchTest {

    private static final String MANUAL = "manual";

    @AfterEach
    void drain() {
        Api.open(MANUAL);
        await().atMost(PATIENCE).until(() -> Api.status(MANUAL).getInt("queued") == 0);
        Api.close(MANUAL);
    }

    private static io.restassured.response.Response post(String id, String body) {
        return given().contentType("application/json").body(body).post("/connections/{id}/messages:batch", id);
    }

    @Test
    void aBatchIsStoredWholeWithContiguousIdsAndSentInOrderAsTheRightFrames() {
        Api.close(MANUAL);
        UpstreamServer.PathState upstream = UpstreamResource.main().path("/" + MANUAL);
        int before = upstream.frames.size();
        JsonPath accepted = post(MANUAL, "[{\"text\":\"one\"},{\"json\":{\"op\":\"two\",\"n\":2}},{\"binary\":\"AAEC\"}]")
                .then().statusCode(202).extract().jsonPath();
        long first = Long.parseLong(accepted.getString("first"));
        assertEquals(first + 2, Long.parseLong(accepted.getString("last")));
        assertEquals(3, accepted.getInt("count"));
        assertEquals(3, Api.status(MANUAL).getInt("queued"));
        Api.open(MANUAL);
        await().atMost(PATIENCE).until(() -> upstream.frames.size() >= before + 3);
        List<UpstreamServer.Frame> frames = upstream.frames.subList(before, before + 3);
        assertEquals("one", frames.get(0).text());
        assertEquals("{\"op\":\"two\",\"n\":2}", frames.get(1).text());
        assertTrue(frames.get(2).binary());
        assertArrayEquals(new byte[] { 0, 1, 2 }, frames.get(2).data());
        await().atMost(PATIENCE).until(() -> "SENT".equals(given().get("/connections/{id}/messages/{m}", MANUAL,
                accepted.getString("last")).then().extract().path("state")));
    }

    @Test
    void aBadElementRefusesTheWholeBatchNamingItsIndex() {
        Api.close(MANUAL);
        int queued = Api.status(MANUAL).getInt("queued");
        post(MANUAL, "[{\"text\":\"ok\"},{\"binary\":\"not base64!\"}]").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("https://longlink.dev/problems/invalid-batch")).body("index", equalTo(1));
        post(MANUAL, "[{\"text\":\"ok\"},{\"text\":\"\"}]").then().statusCode(400).body("index", equalTo(1));
        post(MANUAL, "[{\"text\":\"ok\",\"json\":1}]").then().statusCode(400).body("index", equalTo(0));
        post(MANUAL, "{\"text\":\"not an array\"}").then().statusCode(400)
                .body("type", equalTo("https://longlink.dev/problems/invalid-batch"));
        post(MANUAL, "[]").then().statusCode(400);
        given().contentType("application/json").header("Idempotency-Key", "k").body("[{\"text\":\"x\"}]")
                .post("/connections/{id}/messages:batch", MANUAL).then().statusCode(400);
        assertEquals(queued, Api.status(MANUAL).getInt("queued"), "nothing stored");
    }

    @Test
    void aBatchThatDoesNotFitOrIsTooLargeStoresNothing() {
        String tiny = "tiny";
        int queued = Api.status(tiny).getInt("queued");
        assertFalse(queued > 3);
        post(tiny, "[{\"text\":\"a\"},{\"text\":\"b\"},{\"text\":\"c\"},{\"text\":\"d\"}]").then().statusCode(503)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("type", equalTo("https://longlink.dev/problems/outbox-full"));
        post(tiny, "[{\"text\":\"a\"},{\"text\":\"" + "x".repeat(17) + "\"}]").then().statusCode(413)
                .body("index", equalTo(1));
        assertEquals(queued, Api.status(tiny).getInt("queued"), "nothing stored");
        post("no-such-link", "[{\"text\":\"a\"}]").then().statusCode(404);
        // the colon sent as it is (curl does), not percent-encoded (REST Assured does)
        given().urlEncodingEnabled(false).contentType("application/json").body("[{\"text\":\"" + "x".repeat(17)
                + "\"}]").post("/connections/tiny/messages:batch").then().statusCode(413);
    }
}
