package io.longlink.connection;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import io.longlink.testing.Api;
import io.longlink.testing.NetworkNamespace;
import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamServer;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;

/**
 * Offline detection for real (issue 3): the packaged app (the jar or the native executable, as {@code PackagedApp}
 * picks it) runs in its own network namespace, and the test unplugs its network link with {@code ip link set DEV down}.
 *
 * <pre>
 *  root namespace (this JVM)                 namespace ll3-app (the app)
 *  upstreams 10.213.3.1 ── ll3d-h ═══ veth ═══ ll3d-a ── 10.213.3.2   data link: unplugged by the tests
 *  HTTP client          ── ll3c-h ═══ veth ═══ ll3c-a ── 10.213.3.6   control link: HTTP :8080, never unplugged
 * </pre>
 *
 * <p>Unplugging {@code ll3d-a} takes the app's only route to the upstreams away (ENETUNREACH), while the control
 * plane stays reachable over the second pair. The probe interval is the default 1 s; the heartbeat is short so
 * a socket that went silent is noticed within a second. Only addresses in 10.213.3.0/29 are used, on devices
 * this test creates; the namespace and both pairs are deleted at the end, also when a test fails, and leftovers
 * of an aborted run are removed first. Skipped unless running as root with iproute2.
 */
class OfflineDetectionIT {

    private static final Logger LOG = Logger.getLogger(OfflineDetectionIT.class);

    private static final String NAMESPACE = "ll3-app";
    private static final String DATA_DEVICE = "ll3d-a";
    private static final String UPSTREAM_ADDRESS = "10.213.3.1";
    private static final String APP_ADDRESS = "10.213.3.6";
    private static final int APP_PORT = 8080;
    /** The default {@code offline.probe-interval}, which the time to {@code OPEN} is about. */
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
    /** Longest accepted time from link-up to {@code OPEN}: one probe interval plus generous room for a busy box. */
    private static final Duration OPEN_DEADLINE = PROBE_INTERVAL.plusSeconds(2);
    /** How long a state must hold to count as settled. */
    private static final Duration STEADY = Duration.ofMillis(2500);
    /** Start-up of the packaged app on a busy two-core box. */
    private static final Duration APP_START = Duration.ofSeconds(90);
    private static final Set<String> NO_BACKOFF = Set.of("OPEN", "CONNECTING", "OFFLINE");

    private static NetworkNamespace namespace;
    private static Vertx vertx;
    private static UpstreamServer upstream;
    private static UpstreamServer stoppable;
    private static String previousBaseUri;
    private static int previousPort;

    private Process app;

    @BeforeAll
    static void wireNamespace() {
        assumeTrue(NetworkNamespace.available(), "needs root and iproute2 (ip netns, veth)");
        namespace = new NetworkNamespace(NAMESPACE);
        namespace.veth("ll3c-h", "10.213.3.5/30", "ll3c-a", APP_ADDRESS + "/30")
                .veth("ll3d-h", UPSTREAM_ADDRESS + "/30", DATA_DEVICE, "10.213.3.2/30");
        vertx = Vertx.vertx();
        upstream = new UpstreamServer(vertx, UPSTREAM_ADDRESS, 0).start();
        stoppable = new UpstreamServer(vertx, UPSTREAM_ADDRESS, 0).start();
        previousBaseUri = RestAssured.baseURI;
        previousPort = RestAssured.port;
        RestAssured.baseURI = "http://" + APP_ADDRESS;
        RestAssured.port = APP_PORT;
    }

    @AfterAll
    static void unwireNamespace() throws Exception {
        if (namespace == null) {
            return;
        }
        try {
            if (vertx != null) {
                RestAssured.baseURI = previousBaseUri;
                RestAssured.port = previousPort;
                for (UpstreamServer server : new UpstreamServer[] {upstream, stoppable}) {
                    if (server != null) {
                        server.kill();
                    }
                }
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } finally {
            namespace.close();
        }
    }

    @AfterEach
    void stopApp() throws InterruptedException {
        if (app != null) {
            app.destroy();
            if (!app.waitFor(15, TimeUnit.SECONDS)) {
                app.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            app = null;
        }
        namespace.plug(DATA_DEVICE);
        stoppable.start();
    }

    @Test
    void linkUnpluggedWhileOpenGoesOfflineAndReconnectsWhenPluggedBack(TestInfo test) throws Exception {
        startApp(test);
        Api.awaitState("net", "OPEN");

        for (int round = 1; round <= 3; round++) {
            long generation = Api.status("net").getLong("generation");
            namespace.unplug(DATA_DEVICE);

            List<String> seen = awaitStateRecording("net", "OFFLINE");
            assertTrue(NO_BACKOFF.containsAll(seen), "went through backoff or FAILED: " + seen);
            assertOfflineAndSettled("net");

            List<String> messages = enqueue("net", "open-" + round + "-", 5);
            assertEquals(5, Api.status("net").getInt("queued"));

            Duration toOpen = plugAndTimeToOpen("net");
            LOG.infof("round %d: link unplugged while OPEN, plugged back: OPEN %d ms after link-up", round,
                    toOpen.toMillis());
            assertTrue(toOpen.compareTo(OPEN_DEADLINE) <= 0, "OPEN only after " + toOpen.toMillis() + " ms");
            assertEquals(generation + 1, Api.status("net").getLong("generation"));
            assertDeliveredInOrder(upstream, "/net", "open-" + round + "-", messages);
        }
    }

    @Test
    void linkUnpluggedWhileStartingGoesOfflineThenOpensWhenPlugged(TestInfo test) throws Exception {
        namespace.unplug(DATA_DEVICE);
        startApp(test);

        List<String> seen = awaitStateRecording("net", "OFFLINE");
        assertTrue(NO_BACKOFF.containsAll(seen), "went through backoff or FAILED: " + seen);
        JsonPath status = assertOfflineAndSettled("net");
        assertEquals(0, status.getInt("attempt"));
        assertEquals(0, status.getLong("generation"));

        List<String> messages = enqueue("net", "starting-", 3);

        Duration toOpen = plugAndTimeToOpen("net");
        LOG.infof("link unplugged while STARTING, plugged: OPEN %d ms after link-up", toOpen.toMillis());
        assertTrue(toOpen.compareTo(OPEN_DEADLINE) <= 0, "OPEN only after " + toOpen.toMillis() + " ms");
        assertDeliveredInOrder(upstream, "/net", "starting-", messages);
    }

    @Test
    void stoppedUpstreamWithTheLinkUpIsReconnectingNeverOffline(TestInfo test) throws Exception {
        startApp(test);
        Api.awaitState("down", "OPEN");

        stoppable.kill();

        Api.awaitState("down", "RECONNECTING");
        int attemptBefore = Api.status("down").getInt("attempt");
        List<String> seen = new CopyOnWriteArrayList<>();
        await().during(STEADY).atMost(STEADY.multipliedBy(2)).until(() -> {
            String state = Api.state("down");
            seen.add(state);
            return Set.of("RECONNECTING", "CONNECTING").contains(state);
        });
        JsonPath status = Api.status("down");
        assertTrue(status.getInt("attempt") > attemptBefore, "attempts did not grow: " + status.prettify());
        assertTrue(status.getString("lastError").contains("refused"), status.getString("lastError"));
        assertTrue(!seen.contains("OFFLINE"), "went OFFLINE: " + seen);

        stoppable.start();
        Api.awaitState("down", "OPEN");
        assertEquals(0, Api.status("down").getInt("attempt"));
    }

    // --- helpers ---

    private void startApp(TestInfo test) throws IOException {
        Path log = Path.of("target", "offline-it", test.getTestMethod().orElseThrow().getName() + ".log");
        Files.createDirectories(log.getParent());
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("quarkus.http.host", "0.0.0.0");
        properties.put("quarkus.http.port", Integer.toString(APP_PORT));
        // the packaged app runs in prod, where the control plane needs a key unless told otherwise
        properties.put("longlink.auth.enabled", "false");
        properties.put("longlink.store.kind", "memory");
        properties.put("quarkus.log.category.\"io.longlink\".level", "DEBUG");
        properties.put("longlink.connections.net.url", upstream.url("/net"));
        properties.put("longlink.connections.net.heartbeat.interval", "300ms");
        properties.put("longlink.connections.net.heartbeat.timeout", "700ms");
        // this test is about a gone network, not flapping: its sockets live seconds, which the default
        // stable-after (30s) would count as short and back off before the attempt that finds the network gone
        properties.put("longlink.connections.net.reconnect.stable-after", "200ms");
        properties.put("longlink.connections.down.url", stoppable.url("/down"));
        properties.put("longlink.connections.down.reconnect.initial-delay", "200ms");
        properties.put("longlink.connections.down.reconnect.max-delay", "400ms");
        properties.put("longlink.connections.down.reconnect.max-attempts", "-1");
        List<String> command = PackagedApp.command(PackagedApp.Kind.built(), properties, List.of());
        app = namespace.exec(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(APP_START).ignoreExceptions()
                .until(() -> given().get("/q/health/live").statusCode() == 200);
    }

    /** Waits for {@code state}, returning every state seen on the way. */
    private static List<String> awaitStateRecording(String id, String state) {
        List<String> seen = new CopyOnWriteArrayList<>();
        await().atMost(Api.PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
            String now = Api.state(id);
            seen.add(now);
            return state.equals(now);
        });
        return seen;
    }

    /** OFFLINE stays OFFLINE for a while, with no attempt counted and the probe's error shown. */
    private static JsonPath assertOfflineAndSettled(String id) {
        JsonPath offline = Api.status(id);
        assertNotNull(offline.getString("lastError"));
        int attempt = offline.getInt("attempt");
        await().during(STEADY).atMost(STEADY.multipliedBy(2)).until(() -> {
            JsonPath now = Api.status(id);
            return "OFFLINE".equals(now.getString("state")) && now.getInt("attempt") == attempt;
        });
        JsonPath settled = Api.status(id);
        String lastError = settled.getString("lastError");
        assertTrue(lastError.startsWith("offline: ") && lastError.contains("Network is unreachable"), lastError);
        assertEquals(null, settled.getString("nextAttemptAt"));
        return settled;
    }

    private static List<String> enqueue(String id, String prefix, int count) {
        List<String> texts = IntStream.rangeClosed(1, count).mapToObj(i -> prefix + i).toList();
        texts.forEach(text -> Api.send(id, text));
        return texts;
    }

    /** Plugs the data link back in and measures the time from link-up to {@code OPEN}. */
    private static Duration plugAndTimeToOpen(String id) {
        namespace.plug(DATA_DEVICE);
        long linkUp = System.nanoTime();
        await().atMost(Api.PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> "OPEN".equals(Api.state(id)));
        return Duration.ofNanos(System.nanoTime() - linkUp);
    }

    private static void assertDeliveredInOrder(UpstreamServer server, String path, String prefix,
            List<String> expected) {
        await().atMost(Api.PATIENCE).untilAsserted(() -> assertEquals(expected, server.path(path).texts().stream()
                .filter(text -> text.startsWith(prefix)).toList(), "received on " + server.paths()));
        assertEquals(0, Api.status("net").getInt("queued"));
    }
}
