package io.longlink.connection;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.Api;
import io.longlink.testing.UpstreamResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * A name that does not resolve is "no network", not "upstream down": the connection goes {@code OFFLINE}
 * without counting an attempt, only the probe runs, and the offline period is counted for metrics. The
 * unplugged-link cases run against the packaged app in {@link OfflineDetectionIT}.
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class OfflineDetectionTest {

    private static final Duration STEADY = Duration.ofMillis(1200);

    @Inject
    ConnectionRegistry registry;

    @AfterEach
    void closeIt() {
        Api.close("unresolvable");
    }

    @Test
    void unresolvableNameIsOfflineUncountedAndProbed() {
        ManagedConnection connection = registry.get("unresolvable");
        long periodsBefore = connection.offlinePeriods();
        long failedBefore = connection.failedAttemptsTotal();

        Api.open("unresolvable");
        Api.awaitState("unresolvable", "OFFLINE");

        await().during(STEADY).atMost(STEADY.multipliedBy(2)).until(() -> {
            JsonPath status = Api.status("unresolvable");
            return "OFFLINE".equals(status.getString("state")) && status.getInt("attempt") == 0;
        });
        JsonPath status = Api.status("unresolvable");
        assertTrue(status.getString("lastError").startsWith("offline: unknown host: "), status.getString("lastError"));
        assertTrue(status.getString("lastError").contains("upstream.longlink.invalid"), status.getString("lastError"));
        assertNull(status.getString("nextAttemptAt"));
        assertEquals(periodsBefore + 1, connection.offlinePeriods());
        assertEquals(failedBefore, connection.failedAttemptsTotal());

        Api.send("unresolvable", "kept while offline");
        assertEquals(1, Api.status("unresolvable").getInt("queued"));
        assertEquals("OFFLINE", Api.state("unresolvable"));
    }

    @Test
    void closeWhileOfflineStopsProbing() {
        Api.open("unresolvable");
        Api.awaitState("unresolvable", "OFFLINE");

        Api.close("unresolvable");

        await().during(STEADY).atMost(STEADY.multipliedBy(2)).until(() -> "CLOSED".equals(Api.state("unresolvable")));
        assertEquals("CLOSED", Api.status("unresolvable").getString("desired"));
    }
}
