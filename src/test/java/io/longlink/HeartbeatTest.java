package io.longlink;

import static io.longlink.testing.Api.PATIENCE;
import static io.longlink.testing.Api.awaitState;
import static io.longlink.testing.Api.close;
import static io.longlink.testing.Api.open;
import static io.longlink.testing.Api.state;
import static io.longlink.testing.Api.status;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Behaviour 4 of the core issue: a frozen upstream (TCP up, nothing read or answered) is found dead by the
 * pong deadline; and an operator's close to a frozen peer still ends in a clean state.
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class HeartbeatTest {

    private static final String PATH = "/frozen";

    private static UpstreamServer upstream() {
        return UpstreamResource.main();
    }

    @AfterEach
    void thaw() {
        upstream().thaw(PATH);
        open("frozen");
    }

    @Test
    void frozenUpstreamIsDetectedByThePongDeadlineAndReplaced() {
        awaitState("frozen", "OPEN");
        long generation = status("frozen").getLong("generation");
        // an earlier socket may have missed a pong already (a loaded machine): only a new loss counts
        String before = status("frozen").getString("lastError");
        upstream().freeze(PATH);
        // the socket stays up at TCP level; only the missing pong can tell
        await().atMost(PATIENCE).until(() -> {
            String error = status("frozen").getString("lastError");
            return error != null && error.contains("no pong") && !error.equals(before);
        });
        JsonPath dead = status("frozen");
        assertTrue(dead.getString("lastError").contains("pings sent"), dead.getString("lastError"));
        upstream().thaw(PATH);
        await().atMost(PATIENCE).until(() -> "OPEN".equals(state("frozen"))
                && status("frozen").getLong("generation") > generation);
    }

    @Test
    void closeToAFrozenPeerEndsCleanlyAndCanBeReopened() {
        awaitState("frozen", "OPEN");
        long generation = status("frozen").getLong("generation");
        upstream().freeze(PATH);
        long started = System.nanoTime();
        JsonPath closed = close("frozen");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals("CLOSED", closed.getString("state"));
        assertEquals(1000, closed.getInt("lastCloseCode"));
        assertTrue(tookMillis < 5000, "close took " + tookMillis + " ms");
        // no reconnect after the operator's close, even though the peer never answered
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(4))
                .until(() -> "CLOSED".equals(state("frozen")));
        upstream().thaw(PATH);
        // once the peer reads again it finds the old socket gone
        await().atMost(PATIENCE).until(() -> upstream().path(PATH).openSockets() == 0);
        open("frozen");
        awaitState("frozen", "OPEN");
        assertEquals(generation + 1, status("frozen").getLong("generation"));
    }
}
