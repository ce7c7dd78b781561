package io.longlink.outbox;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Collections;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.Api;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The outbox contract over HTTP on the default (SQLite) store: capacity, idempotency keys and time to live. Uses
 * connection {@code vault} (outbox of 5, opened by hand), and leaves it closed and empty.
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class DurableOutboxTest {

    private static final String VAULT = "vault";

    @AfterEach
    void drain() {
        Api.open(VAULT);
        await().atMost(Api.PATIENCE).until(() -> Api.status(VAULT).getInt("queued") == 0);
        Api.close(VAULT);
        Api.awaitState(VAULT, "CLOSED");
    }

    @Test
    void aFullOutboxAnswers503WithRetryAfterAndStoresNothing() {
        String run = UUID.randomUUID().toString();
        for (int i = 0; i < 5; i++) {
            Api.send(VAULT, run + "-" + i);
        }
        given().contentType("text/plain").body(run + "-over")
                .post("/connections/{id}/messages", VAULT)
                .then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", notNullValue())
                .body("type", endsWith("/outbox-full"));
        assertEquals(5, Api.status(VAULT).getInt("queued"));

        Api.open(VAULT);
        await().atMost(Api.PATIENCE).until(() -> upstream().texts().contains(run + "-4"));
        assertFalse(upstream().texts().contains(run + "-over"));
    }

    @Test
    void aRepeatedIdempotencyKeyAnswersTheFirstIdAndQueuesNothing() {
        String text = "keyed-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        String first = sendWithKey(text, key);
        String again = sendWithKey(text, key);
        assertEquals(first, again);
        assertEquals(1, Api.status(VAULT).getInt("queued"));

        Api.open(VAULT);
        await().atMost(Api.PATIENCE).until(() -> upstream().texts().contains(text));
        await().atMost(Api.PATIENCE).until(() -> "SENT".equals(state(first)));
        assertEquals(first, sendWithKey(text, key));
        assertEquals(1, Collections.frequency(upstream().texts(), text));
    }

    @Test
    void aMessagePastItsTimeToLiveIsExpiredAndNeverSent() {
        String late = "late-" + UUID.randomUUID();
        String onTime = "on-time-" + UUID.randomUUID();
        String lateId = given().contentType("text/plain").header("X-Expires-In", "300ms").body(late)
                .post("/connections/{id}/messages", VAULT)
                .then().statusCode(202).extract().jsonPath().getString("id");
        String onTimeId = given().contentType("text/plain").header("X-Expires-In", "1h").body(onTime)
                .post("/connections/{id}/messages", VAULT)
                .then().statusCode(202).extract().jsonPath().getString("id");
        await().atMost(Api.PATIENCE).until(() -> "EXPIRED".equals(state(lateId)));

        Api.open(VAULT);
        await().atMost(Api.PATIENCE).until(() -> "SENT".equals(state(onTimeId)));
        assertEquals("EXPIRED", state(lateId));
        assertFalse(upstream().texts().contains(late));
    }

    @Test
    void anUnreadableTimeToLiveAnswers400() {
        given().contentType("text/plain").header("X-Expires-In", "soon").body("x")
                .post("/connections/{id}/messages", VAULT)
                .then().statusCode(400)
                .contentType(startsWith("application/problem+json"))
                .body("type", endsWith("/invalid-expires-in"))
                .body("status", equalTo(400));
    }

    private static String sendWithKey(String text, String key) {
        return given().contentType("text/plain").header("Idempotency-Key", key).body(text)
                .post("/connections/{id}/messages", VAULT)
                .then().statusCode(202).extract().jsonPath().getString("id");
    }

    private static String state(String messageId) {
        return given().get("/connections/{id}/messages/{messageId}", VAULT, messageId)
                .then().statusCode(200).extract().jsonPath().getString("state");
    }

    private static UpstreamServer.PathState upstream() {
        return UpstreamResource.main().path("/vault");
    }
}
