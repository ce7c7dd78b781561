package io.longlink.metrics;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;

/**
 * {@code longlink.metrics.per-connection=false}: thirty connections created, used and removed at run time leave the
 * number of {@code longlink_*} series unchanged and no series names them (SmallRye FT's reconnect guard included);
 * the totals count them, and a counter does not go down when its connections go away.
 */
@QuarkusTest
@TestProfile(MetricsTotalsTest.Totals.class)
class MetricsTotalsTest {

    /**
     * Totals instead of per-connection series; the global {@link UpstreamResource} still gives the settings (a
     * fresh store, 127.0.0.1 allowed), but this application's own classes cannot reach the shared upstream servers,
     * so the test starts its own (and does not use {@code Api}, which starts them).
     */
    public static class Totals implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("longlink.metrics.per-connection", "false");
        }

    }

    private static final int MANY = 30;
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private static Vertx vertx;
    private static UpstreamServer upstream;

    @BeforeAll
    static void startUpstream() {
        vertx = Vertx.vertx();
        upstream = new UpstreamServer(vertx, UpstreamResource.freePort()).start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void theNumberOfSeriesDoesNotGrowWithTheNumberOfConnections() {
        String before = metrics();
        long series = longlinkSeries(before);
        double connections = sum(before, "longlink_connections");
        double sent = sample(before, "longlink_messages_sent_total", "");
        double enqueued = sample(before, "longlink_enqueue_duration_seconds_count", "");
        List<String> ids = IntStream.range(0, MANY).mapToObj(i -> "many-" + i).toList();
        String url = "ws://127.0.0.1:" + upstream.port() + "/many";
        for (String id : ids) {
            given().contentType("application/json").body("{\"url\": \"" + url + "\"}").put("/connections/{id}", id)
                    .then().statusCode(201);
        }
        ids.forEach(id -> await().atMost(PATIENCE).until(
                () -> "OPEN".equals(given().get("/connections/{id}", id).jsonPath().getString("state"))));
        ids.forEach(id -> given().contentType("text/plain").body("counted").post("/connections/{id}/messages", id)
                .then().statusCode(202));

        await().atMost(PATIENCE).until(() -> sample(metrics(), "longlink_messages_sent_total", "") >= sent + MANY);
        String during = metrics();
        assertEquals(series, longlinkSeries(during), "no series per connection:\n" + during);
        assertFalse(during.contains("connection=\""), "no series carries a connection tag");
        assertFalse(during.contains("many-"), "no series names a connection, not even the libraries' (ft_*)");
        assertTrue(during.contains("ft_invocations_total{"), "SmallRye FT's reconnect series are still there");
        assertEquals(connections + MANY, sum(during, "longlink_connections"));
        assertTrue(sample(during, "longlink_connections", "state=\"OPEN\"") >= MANY);
        assertEquals(enqueued + MANY, sample(during, "longlink_enqueue_duration_seconds_count", ""));

        ids.forEach(id -> given().delete("/connections/{id}", id).then().statusCode(204));
        String after = metrics();
        assertEquals(series, longlinkSeries(after));
        assertEquals(connections, sum(after, "longlink_connections"));
        assertTrue(sample(after, "longlink_messages_sent_total", "") >= sent + MANY,
                "a total keeps what removed connections counted");
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static long longlinkSeries(String text) {
        return text.lines().filter(l -> l.startsWith("longlink_")).count();
    }

    /** The value of the one sample of {@code name} whose labels contain {@code label}. */
    private static double sample(String text, String name, String label) {
        Matcher m = samples(text, name);
        while (m.find()) {
            if (m.group(1) == null || m.group(1).contains(label)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no sample " + name + " " + label);
    }

    private static double sum(String text, String name) {
        Matcher m = samples(text, name);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    private static Matcher samples(String text, String name) {
        return Pattern.compile("^" + Pattern.quote(name) + "(?:\\{([^}]*)})? (\\S+)$", Pattern.MULTILINE)
                .matcher(text);
    }
}
