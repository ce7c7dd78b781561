package io.longlink.lifecycle;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.Vertx;

/**
 * SIGTERM to the packaged application, as Kubernetes sends it: new enqueues answer 503 and readiness turns
 * DOWN at once, messages already accepted are written, every socket closes with 1001, the process exits 0
 * within {@code quarkus.shutdown.timeout}, and what was not sent is still there after a restart when the store
 * is durable. With the in-memory store the unsent messages are gone by definition; the test asserts that
 * instead, so it states what an operator gets with either store.
 */
class GracefulShutdownIT {

    private static final String SECRET_HEADER = "Bearer it-header-secret";
    private static final String SECRET_QUERY = "it-query-secret";
    /** Kept after SIGTERM before the HTTP drain, so the test can watch the 503s and the DOWN readiness. */
    private static final Duration SHUTDOWN_DELAY = Duration.ofSeconds(2);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

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
        vertx.close();
    }

    @Test
    void sigtermStopsIntakeClosesWith1001AndExitsZero() throws Exception {
        Path data = Files.createTempDirectory("longlink-it");
        Map<String, String> config = config(data);
        List<String> parkedIds = new ArrayList<>();
        long exitMillis;
        try (PackagedApp app = PackagedApp.start("shutdown-first-run", config)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> upstream.path("/live").openSockets() == 1);
            for (int i = 0; i < 5; i++) {
                send(app, "live", "sent-" + i);
            }
            for (int i = 0; i < 3; i++) {
                parkedIds.add(send(app, "parked", "parked-" + i));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> upstream.path("/live").frames.size() == 5);
            assertEquals(404, app.httpStatus("/q/swagger-ui/"), "Swagger UI is off in prod unless enabled");

            long sigterm = System.nanoTime();
            app.terminate();
            await().atMost(SHUTDOWN_DELAY).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> api(app)
                    .contentType("text/plain").body("too late").post("/connections/{id}/messages", "live")
                    .then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", notNullValue())
                    .body("type", endsWith("/shutting-down")).body("status", is(503)));
            api(app).get("/q/health/ready").then().statusCode(503).body("status", is("DOWN"));

            int exit = app.awaitExit(SHUTDOWN_DELAY.plus(SHUTDOWN_TIMEOUT).plusSeconds(10));
            exitMillis = (System.nanoTime() - sigterm) / 1_000_000;
            assertEquals(0, exit, "exit code after SIGTERM:\n" + app.output());
            String log = app.output();
            assertTrue(log.contains("\"connection\":\"live\""), "JSON logs carry the connection id:\n" + log);
            assertFalse(log.contains(SECRET_QUERY) || log.contains("it-header-secret"), "no secret in logs");
        }
        System.out.printf("SIGTERM to exit: %d ms (delay %d ms)%n", exitMillis, SHUTDOWN_DELAY.toMillis());
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.path("/live").closeCodes.contains(1001));
        assertEquals(List.of("sent-0", "sent-1", "sent-2", "sent-3", "sent-4"), upstream.path("/live").texts());
        assertEquals(1, upstream.path("/live").handshakes.size(), "nothing reconnects while stopping");

        try (PackagedApp again = PackagedApp.start("shutdown-second-run", config)) {
            for (String id : parkedIds) {
                api(again).get("/connections/parked/messages/{m}", id).then().statusCode(200)
                        .body("state", is("QUEUED"));
            }
        }
    }

    private static Map<String, String> config(Path data) {
        Map<String, String> config = new HashMap<>();
        config.put("longlink.connections.live.url", upstream.url("/live") + "?token=" + SECRET_QUERY);
        config.put("longlink.connections.live.headers.Authorization", SECRET_HEADER);
        config.put("longlink.connections.live.heartbeat.interval", "200ms");
        config.put("longlink.connections.parked.url", upstream.url("/parked"));
        config.put("longlink.connections.parked.auto-open", "false");
        config.put("quarkus.shutdown.delay", SHUTDOWN_DELAY.toMillis() + "ms");
        config.put("quarkus.shutdown.timeout", SHUTDOWN_TIMEOUT.toSeconds() + "s");
        config.put("longlink.store.kind", "sqlite");
        config.put("longlink.store.path", data.resolve("longlink.db").toString());
        return config;
    }

    private static String send(PackagedApp app, String connection, String text) {
        return api(app).contentType("text/plain").body(text).post("/connections/{id}/messages", connection)
                .then().statusCode(202).extract().jsonPath().getString("id");
    }

    private static RequestSpecification api(PackagedApp app) {
        return given().port(app.port());
    }
}
