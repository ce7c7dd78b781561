package io.longlink;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.FeedProtocol;
import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.Vertx;

/**
 * Being a good client of real upstreams, on the packaged app against upstreams that keep the rules real ones keep:
 * one that accepts every handshake and drops the socket 20 ms later (the handshakes counted against the backoff
 * schedule), one that kicks a socket with 1008 past 5 frames a second (zero kicks with {@code send-rate}, while
 * on-open steps, 40 messages and text heartbeats flow), and 30 connections to one host under a budget of 10
 * handshakes a second ({@code connect-rates}), at start and after the upstream restarts; and which close codes mean
 * "credentials refused" ({@code reconnect.unauthorized-close-codes}). The figures are printed.
 */
class GoodClientIT {

    private Vertx vertx;
    private UpstreamServer upstream;

    @BeforeEach
    void startUpstream() {
        vertx = Vertx.vertx();
        upstream = new UpstreamServer(vertx, UpstreamResource.freePort()).start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.close();
        vertx.close();
    }

    private Map<String, String> config() {
        Map<String, String> config = new HashMap<>();
        config.put("longlink.store.path", UpstreamResource.freshStore().toString());
        return config;
    }

    @Test
    void aFlappingUpstreamGetsTheBackoffScheduleNotAHandshakeStorm() throws Exception {
        upstream.closeAfter("/flap", 1000, Duration.ofMillis(20));
        Map<String, String> config = config();
        config.put("longlink.connections.flap.url", upstream.url("/flap"));
        try (PackagedApp app = PackagedApp.start("good-client-flap", config)) {
            UpstreamServer.PathState flap = upstream.path("/flap");
            await().atMost(Duration.ofSeconds(30)).until(() -> !flap.handshakeNanos.isEmpty());
            long first = flap.handshakeNanos.get(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() - first >= 10_000_000_000L);
            long inTenSeconds = flap.handshakeNanos.stream().filter(t -> t - first < 10_000_000_000L).count();
            System.out.printf("GoodClientIT flapping upstream (closes 20 ms after the handshake), defaults: "
                    + "%d handshakes in 10 s (before reconnect.stable-after: 402)%n", inTenSeconds);
            // 0 s, then the cycle's delays 2 s, 4 s, 8 s, each ±50 % jitter: at most 5 in 10 s
            assertTrue(inTenSeconds >= 3 && inTenSeconds <= 5, inTenSeconds + " handshakes in 10 s");

            JsonPath status = api(app).get("/connections/flap").then().statusCode(200).extract().jsonPath();
            assertEquals(true, status.getBoolean("flapping"));
            assertTrue(status.getLong("lastSocketMillis") < 1000, status.prettify());
            assertTrue(status.getString("lastError").startsWith("flapping: "), status.getString("lastError"));
            assertTrue(status.getString("lastError").contains("sockets in a row closed within 30s (lived "));
            assertTrue(status.getInt("attempt") >= 2, "the short sockets count as failed attempts");
            String metrics = api(app).get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(metrics.contains("longlink_socket_lifetime_seconds_count{connection=\"flap\"}"), metrics);
        }
    }

    @Test
    void withASendRateAFivePerSecondUpstreamNeverKicksWhileStepsMessagesAndHeartbeatsFlow() throws Exception {
        FeedProtocol paced = upstream.speakFeedProtocol("/paced");
        FeedProtocol unpaced = upstream.speakFeedProtocol("/unpaced");
        upstream.limitRate("/paced", 5, Duration.ofSeconds(1));
        upstream.limitRate("/unpaced", 5, Duration.ofSeconds(1));
        Map<String, String> config = config();
        feedConnection(config, "paced");
        config.put("longlink.connections.paced.send-rate.limit", "5");
        config.put("longlink.connections.paced.send-rate.per", "1s");
        feedConnection(config, "unpaced");
        try (PackagedApp app = PackagedApp.start("good-client-send-rate", config)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> paced.subscribedSockets() == 1
                    && unpaced.subscribedSockets() == 1);
            String last = null;
            for (int i = 0; i < 40; i++) {
                last = api(app).contentType("text/plain").body("p" + i).post("/connections/paced/messages").then()
                        .statusCode(202).extract().header("Location");
                api(app).contentType("text/plain").body("u" + i).post("/connections/unpaced/messages").then()
                        .statusCode(202);
            }
            assertEquals("QUEUED", api(app).get(last).then().statusCode(200).extract().path("state"),
                    "the last of 40 waits for the rate, queued");
            UpstreamServer.PathState state = upstream.path("/paced");
            await().atMost(Duration.ofSeconds(60)).until(() -> paced.data.size() >= 40 || !state.kicks.isEmpty());
            assertEquals(List.of(), state.kicks, () -> "kicked; the frames (ms from the first): " + timeline(state));
            // a few more text heartbeats after the messages
            int pings = pings("/paced");
            await().atMost(Duration.ofSeconds(10)).until(() -> pings("/paced") >= pings + 2);

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                expected.add("p" + i);
            }
            assertEquals(expected, paced.data, "every message, in order, none twice");
            List<Long> at = state.received.stream().map(UpstreamServer.Received::nanos).toList();
            int most = mostInAnyWindow(at, 1_000_000_000L);
            System.out.printf("GoodClientIT 5 frames/s upstream, 40 messages at once: with send-rate 5/1s %d kicks, "
                    + "%d frames (2 on-open steps, %d text heartbeats), at most %d in any 1 s; without send-rate "
                    + "%d kicks%n", state.kicks.size(), at.size(), pings("/paced"), most,
                    upstream.path("/unpaced").kicks.size());
            assertEquals(List.of(), state.kicks, "never kicked");
            assertEquals(1, state.socketCount(), "one socket throughout");
            assertTrue(most <= 5, most + " frames in one second");
            assertTrue(pings("/paced") >= 2, "text heartbeats flowed among them");
            assertTrue(!upstream.path("/unpaced").kicks.isEmpty(), "without send-rate the same upstream kicks");
            String metrics = api(app).get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(metrics.matches("(?s).*longlink_send_rate_waits_total\\{connection=\"paced\"} [1-9].*"),
                    metrics);
            assertEquals("SENT", api(app).get(last).then().statusCode(200).extract().path("state"));
        }
    }

    @Test
    void thirtyConnectionsToOneHostHandshakeAtMostTenASecondAtStartAndAfterTheUpstreamRestarts() throws Exception {
        Map<String, String> config = config();
        config.put("longlink.upstreams.connect-rates[0].hosts", "localhost");
        config.put("longlink.upstreams.connect-rates[0].limit", "10");
        config.put("longlink.upstreams.connect-rates[0].per", "1s");
        for (int i = 0; i < 30; i++) {
            config.put("longlink.connections.c" + i + ".url", upstream.url("/c" + i));
            // a socket that lived a second was stable: its loss reconnects at once (the worst storm)
            config.put("longlink.connections.c" + i + ".reconnect.stable-after", "1s");
        }
        try (PackagedApp app = PackagedApp.start("good-client-connect-rates", config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> openPaths() == 30);
            List<Long> atStart = handshakes(Long.MIN_VALUE);
            int mostAtStart = mostInAnyWindow(atStart, 1_000_000_000L);
            double spreadAtStart = (atStart.get(atStart.size() - 1) - atStart.get(0)) / 1e9;

            // every socket stable, then the upstream restarts: all 30 come back
            long before = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() - before > 1_500_000_000L);
            long restart = System.nanoTime();
            upstream.kill();
            upstream.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> openPaths() == 30 && handshakes(restart).size() >= 30);
            List<Long> afterRestart = handshakes(restart);
            int mostAfter = mostInAnyWindow(afterRestart, 1_000_000_000L);
            double spreadAfter = (afterRestart.get(afterRestart.size() - 1) - afterRestart.get(0)) / 1e9;
            System.out.printf("GoodClientIT 30 connections, connect-rates 10/1s: at start %d handshakes over %.2f s, "
                    + "at most %d in any 1 s; after an upstream restart %d handshakes over %.2f s, at most %d in "
                    + "any 1 s%n", atStart.size(), spreadAtStart, mostAtStart, afterRestart.size(), spreadAfter,
                    mostAfter);
            assertEquals(30, atStart.size(), "one handshake each, none failed for the wait");
            assertTrue(mostAtStart <= 10, mostAtStart + " handshakes in one second at start");
            assertTrue(spreadAtStart >= 1.9, "spread over at least two seconds: " + spreadAtStart);
            assertTrue(mostAfter <= 10, mostAfter + " handshakes in one second after the restart");
            assertTrue(spreadAfter >= 1.9, "spread over at least two seconds: " + spreadAfter);
        }
    }

    @Test
    void onlyTheUnauthorizedCloseCodesMeanCredentialsRefused() throws Exception {
        upstream.closeOnOpen("/refusing", 1008);
        upstream.closeOnOpen("/busy", 1008);
        Map<String, String> config = config();
        config.put("longlink.connections.refusing.url", upstream.url("/refusing"));
        config.put("longlink.connections.busy.url", upstream.url("/busy"));
        config.put("longlink.connections.busy.reconnect.unauthorized-close-codes", "4001");
        config.put("longlink.connections.busy.reconnect.initial-delay", "1s");
        config.put("longlink.connections.busy.reconnect.jitter", "0");
        try (PackagedApp app = PackagedApp.start("good-client-close-codes", config)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "FAILED".equals(
                    api(app).get("/connections/refusing").then().extract().path("state")));
            assertEquals(2, upstream.path("/refusing").handshakes.size(),
                    "1008 by default: credentials refreshed, one retry at once, the second is FAILED");
            // 1008 is not in busy's unauthorized codes: it reconnects with backoff, attempt after attempt
            await().atMost(Duration.ofSeconds(30)).until(() -> upstream.path("/busy").handshakes.size() >= 4);
            JsonPath busy = api(app).get("/connections/busy").then().statusCode(200).extract().jsonPath();
            assertTrue(!"FAILED".equals(busy.getString("state")), busy.prettify());
            assertTrue(busy.getInt("attempt") >= 3, busy.prettify());
            assertEquals(1008, busy.getInt("lastCloseCode"));
            List<Long> at = upstream.path("/busy").handshakeNanos;
            assertTrue(at.get(2) - at.get(1) >= 900_000_000L, "backoff between attempts, not at once");
        }
    }

    /** A connection to the upstream's feed path {@code /id}: login and subscribe on open, a text ping every second. */
    private void feedConnection(Map<String, String> config, String id) {
        String prefix = "longlink.connections." + id + ".";
        config.put(prefix + "url", upstream.url("/" + id));
        config.put(prefix + "on-open[0].text", "{\"op\":\"login\",\"token\":\"t\"}");
        config.put(prefix + "on-open[0].expect", "json:/event=login");
        config.put(prefix + "on-open[1].text", "{\"op\":\"subscribe\",\"channel\":\"trades\"}");
        config.put(prefix + "on-open[1].expect", "json:/event=subscribed");
        config.put(prefix + "heartbeat.mode", "text");
        config.put(prefix + "heartbeat.text", "ping");
        config.put(prefix + "heartbeat.expect", "text:pong");
        config.put(prefix + "heartbeat.interval", "1s");
    }

    /** The path's text frames with the time each arrived, in ms from the first. */
    private static String timeline(UpstreamServer.PathState state) {
        long first = state.received.get(0).nanos();
        StringBuilder out = new StringBuilder();
        for (UpstreamServer.Received r : state.received) {
            out.append(String.format("%n  %6d %s", (r.nanos() - first) / 1_000_000, r.text()));
        }
        return out.toString();
    }

    private int pings(String path) {
        return (int) upstream.path(path).texts().stream().filter("ping"::equals).count();
    }

    /** Paths of the 30 connections with an open socket now. */
    private int openPaths() {
        int open = 0;
        for (int i = 0; i < 30; i++) {
            open += upstream.path("/c" + i).openSockets() > 0 ? 1 : 0;
        }
        return open;
    }

    /** The handshakes of the 30 connections that arrived after {@code sinceNanos}, in time order. */
    private List<Long> handshakes(long sinceNanos) {
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            upstream.path("/c" + i).handshakeNanos.stream().filter(t -> t > sinceNanos).forEach(at::add);
        }
        at.sort(null);
        return at;
    }

    /** The most of {@code at} (sorted nanos) in any window of {@code perNanos}. */
    private static int mostInAnyWindow(List<Long> at, long perNanos) {
        int most = 0;
        int j = 0;
        for (int i = 0; i < at.size(); i++) {
            while (j < at.size() && at.get(j) - at.get(i) < perNanos) {
                j++;
            }
            most = Math.max(most, j - i);
        }
        return most;
    }

    private static RequestSpecification api(PackagedApp app) {
        return given().baseUri("http://127.0.0.1").port(app.port());
    }
}
