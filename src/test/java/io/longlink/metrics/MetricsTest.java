package io.longlink.metrics;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.Api;
import io.longlink.testing.UpstreamResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** {@code /q/metrics} in Prometheus format, per connection. */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class MetricsTest {

    private static final String MANUAL = "manual";

    /** Leaves {@code manual} closed with an empty outbox, as every test class expects to find it. */
    @AfterEach
    void leaveManualAsFound() {
        UpstreamResource.main().rejectHandshakes("/" + MANUAL, 0);
        Api.open(MANUAL);
        Api.awaitState(MANUAL, "OPEN");
        await().atMost(Api.PATIENCE).until(() -> Api.status(MANUAL).getInt("queued") == 0);
        Api.close(MANUAL);
    }

    @Test
    void everyConnectionHasItsSeriesUnderPrometheusNames() {
        Api.open(MANUAL);
        Api.awaitState(MANUAL, "OPEN");
        double sentBefore = value(metrics(), "longlink_messages_sent_total", MANUAL);
        double enqueuesBefore = value(metrics(), "longlink_enqueue_duration_seconds_count", MANUAL);
        for (int i = 0; i < 3; i++) {
            Api.send(MANUAL, "metered-" + i);
        }
        UpstreamResource.main().pushText("/" + MANUAL, "hello from upstream");

        await().atMost(Api.PATIENCE).untilAsserted(() -> {
            String text = metrics();
            assertEquals(1.0, value(text, "longlink_connection_state", MANUAL, "state=\"OPEN\""));
            assertEquals(0.0, value(text, "longlink_connection_state", MANUAL, "state=\"CLOSED\""));
            assertTrue(value(text, "longlink_messages_sent_total", MANUAL) >= sentBefore + 3);
            assertTrue(value(text, "longlink_messages_received_total", MANUAL) >= 1);
            assertEquals(enqueuesBefore + 3, value(text, "longlink_enqueue_duration_seconds_count", MANUAL));
            assertTrue(value(text, "longlink_heartbeat_round_trip_seconds_count", MANUAL) >= 1);
        });
        await().atMost(Api.PATIENCE).until(() -> value(metrics(), "longlink_outbox_queued_messages", MANUAL) == 0);
        String text = metrics();
        assertEquals(Api.status(MANUAL).getLong("generation"), value(text, "longlink_connection_opens_total", MANUAL));
        assertTrue(value(text, "longlink_heartbeat_round_trip_seconds_bucket", MANUAL, "le=\"+Inf\"") >= 1);
        assertEquals(enqueuesBefore + 3, value(text, "longlink_enqueue_duration_seconds_bucket", MANUAL, "le=\"+Inf\""));
        assertTrue(Pattern.compile("^# TYPE longlink_messages_sent(_total)? counter$", Pattern.MULTILINE)
                .matcher(text).find(), "sent is a counter");
        assertTrue(text.contains("# TYPE longlink_heartbeat_round_trip_seconds histogram"), "RTT is a histogram");
    }

    @Test
    void refusedEnqueuesAreCountedByStatusForExistingConnectionsOnly() {
        String metric = "longlink_enqueue_refused_total";
        double before = metrics().contains(metric + "{connection=\"" + MANUAL + "\",status=\"415\"}")
                ? value(metrics(), metric, MANUAL, "status=\"415\"") : 0;
        given().contentType("image/png").body(new byte[] { 1 }).post("/connections/{id}/messages", MANUAL).then()
                .statusCode(415);
        given().urlEncodingEnabled(false).contentType("text/plain").body("[]")
                .post("/connections/" + MANUAL + "/messages:batch").then().statusCode(415);
        assertEquals(before + 2, value(metrics(), metric, MANUAL, "status=\"415\""));
        given().contentType("text/plain").body("x").post("/connections/{id}/messages", "no-such-connection").then()
                .statusCode(404);
        assertTrue(!metrics().contains("no-such-connection"), "an unknown id creates no series");
    }

    @Test
    void rejectedHandshakesCountAsFailedAttempts() {
        double before = value(metrics(), "longlink_connection_attempts_failed_total", MANUAL);
        UpstreamResource.main().rejectHandshakes("/" + MANUAL, 503);
        Api.open(MANUAL);
        await().atMost(Api.PATIENCE).until(
                () -> value(metrics(), "longlink_connection_attempts_failed_total", MANUAL) >= before + 2);
    }

    @Test
    void anUnreachableNetworkCountsAnOfflinePeriod() {
        String id = "unresolvable";
        double before = value(metrics(), "longlink_connection_offline_periods_total", id);
        Api.open(id);
        Api.awaitState(id, "OFFLINE");
        assertEquals(before + 1, value(metrics(), "longlink_connection_offline_periods_total", id));
        assertEquals(1.0, value(metrics(), "longlink_connection_state", id, "state=\"OFFLINE\""));
        Api.close(id);
    }

    @Test
    void queuedFollowsTheOutboxWhileClosed() {
        double before = value(metrics(), "longlink_outbox_queued_messages", MANUAL);
        Api.send(MANUAL, "waits");
        assertEquals(before + 1, value(metrics(), "longlink_outbox_queued_messages", MANUAL));
        assertEquals(1.0, value(metrics(), "longlink_connection_state", MANUAL, "state=\"CLOSED\""));
    }

    @Test
    void anUnknownConnectionCreatesNoSeries() {
        given().contentType("text/plain").body("x").post("/connections/{id}/messages", "no-such-link")
                .then().statusCode(404);
        given().get("/q/metrics").then().statusCode(200).body(not(containsString("no-such-link")));
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of the one sample of {@code name} with {@code connection=id} and every other given label. */
    static double value(String text, String name, String id, String... labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(text);
        while (m.find()) {
            String found = m.group(1);
            boolean match = found.contains("connection=\"" + id + "\"");
            for (String label : labels) {
                match &= found.contains(label);
            }
            if (match) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no sample " + name + " for connection " + id + " " + String.join(",", labels));
    }
}
