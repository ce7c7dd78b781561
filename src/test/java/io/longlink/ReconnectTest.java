package io.longlink;

import static io.longlink.testing.Api.PATIENCE;
import static io.longlink.testing.Api.awaitState;
import static io.longlink.testing.Api.close;
import static io.longlink.testing.Api.open;
import static io.longlink.testing.Api.send;
import static io.longlink.testing.Api.state;
import static io.longlink.testing.Api.status;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** Behaviour 3 of the core issue: reconnect after any unplanned loss, backoff, FAILED, fresh cycles. */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class ReconnectTest {

    @Test
    void upstreamKilledAndRestartedWith200MessagesQueuedDeliversAllInOrder() {
        UpstreamServer flaky = UpstreamResource.flaky();
        UpstreamServer.PathState path = flaky.path("/volatile");
        awaitState("volatile", "OPEN");
        long generation = status("volatile").getLong("generation");

        flaky.kill();
        await().atMost(PATIENCE).until(() -> !"OPEN".equals(state("volatile")));
        // while the upstream is down the connection keeps retrying with a visible schedule
        await().atMost(PATIENCE).until(() -> "RECONNECTING".equals(state("volatile"))
                && status("volatile").getString("nextAttemptAt") != null);
        assertTrue(status("volatile").getInt("attempt") >= 1);
        assertNotNull(status("volatile").getString("lastError"));

        int before = path.frames.size();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String text = "killed-" + i;
            send("volatile", text);
            expected.add(text);
        }
        assertEquals(200, status("volatile").getInt("queued"));

        flaky.start();
        awaitState("volatile", "OPEN");
        await().atMost(PATIENCE).until(() -> path.frames.size() - before >= 200);
        assertEquals(expected, path.texts().subList(before, before + 200));
        JsonPath after = status("volatile");
        assertEquals(0, after.getInt("queued"));
        assertEquals(0, after.getInt("attempt"));
        assertTrue(after.getLong("generation") > generation);
    }

    @Test
    void serverCloseFrameTriggersImmediateReconnect() {
        UpstreamServer.PathState path = UpstreamResource.main().path("/alpha");
        awaitState("alpha", "OPEN");
        long generation = status("alpha").getLong("generation");
        UpstreamResource.main().closeSockets("/alpha", (short) 1012, "service restart");
        await().atMost(PATIENCE).until(() -> status("alpha").getLong("generation") == generation + 1
                && "OPEN".equals(state("alpha")));
        JsonPath alpha = status("alpha");
        assertEquals(1012, alpha.getInt("lastCloseCode"));
        assertEquals("service restart", alpha.getString("lastCloseReason"));
        await().atMost(PATIENCE).until(() -> path.openSockets() == 1);
    }

    @Test
    void attemptsExhaustedMeansFailedThenOpenOrANewMessageStartsAFreshCycle() {
        UpstreamServer late = UpstreamResource.late();
        late.kill();
        open("doomed");
        awaitState("doomed", "FAILED");
        JsonPath failed = status("doomed");
        assertEquals(3, failed.getInt("attempt"));
        assertEquals("OPEN", failed.getString("desired"));
        assertNotNull(failed.getString("lastError"));
        // that FAILED stays FAILED over time is proven on fake time in ManagedConnectionTest

        // open again: a fresh cycle of three attempts
        JsonPath reopened = open("doomed");
        assertEquals(0, reopened.getInt("attempt"));
        assertTrue(Set.of("CONNECTING", "RECONNECTING").contains(reopened.getString("state")));
        awaitState("doomed", "FAILED");
        assertEquals(3, status("doomed").getInt("attempt"));

        // a new message while FAILED starts a cycle too, and is delivered once the upstream is back
        late.start();
        send("doomed", "after-failure");
        awaitState("doomed", "OPEN");
        await().atMost(PATIENCE).until(() -> late.path("/doomed").texts().contains("after-failure"));
        close("doomed");
    }

    @Test
    void handshakeRejectedCountsAsUpstreamDownWithItsStatusInLastError() {
        UpstreamServer late = UpstreamResource.late();
        late.start();
        late.rejectHandshakes("/doomed", 503);
        try {
            open("doomed");
            awaitState("doomed", "FAILED");
            assertTrue(status("doomed").getString("lastError").contains("503"), status("doomed").getString("lastError"));
        } finally {
            late.rejectHandshakes("/doomed", 0);
            close("doomed");
        }
    }
}
