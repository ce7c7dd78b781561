package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.longlink.config.LonglinkConfig;
import io.longlink.connection.FakeUpstream.FakeSocket;

/**
 * Being a good client of a real upstream, on fake time ({@link ConnectionHarness}): the backoff resets only after a
 * stable socket ({@code reconnect.stable-after}), flapping is reported with the lifetimes, and handshakes wait for a
 * slot of the host's budget ({@code connect-rates}) without counting as attempts, and every frame written waits for
 * the connection's {@code send-rate} in order, across its sockets.
 */
class GoodClientTest {

    private final ConnectionHarness h = new ConnectionHarness();
    private final ManualTimers timers = h.timers;
    private final FakeUpstream upstream = h.upstream;

    private ManagedConnection connection() {
        return h.connection();
    }

    /** The contract's defaults for the schedule, without jitter so the times are exact; no heartbeat in the way. */
    private void defaultSchedule() {
        h.settings.put("reconnect.initial-delay", "2s");
        h.settings.put("reconnect.max-delay", "60s");
        h.settings.put("reconnect.max-attempts", "10");
        h.settings.put("heartbeat.interval", "10m");
        h.settings.remove("reconnect.stable-after");
    }

    private long nowMillis() {
        return timers.nanoTime() / 1_000_000;
    }

    /**
     * An upstream that accepts every handshake and closes the socket with 1000 after 20 ms, for {@code duration}:
     * the fake-time moments (ms) of the handshakes.
     */
    private List<Long> flappingFor(Duration duration) {
        List<Long> handshakes = new ArrayList<>();
        long end = nowMillis() + duration.toMillis();
        int answered = 0;
        while (nowMillis() < end) {
            if (upstream.attempts.size() > answered) {
                handshakes.add(nowMillis());
                FakeSocket socket = upstream.attempts.get(answered++).accept();
                timers.advance(Duration.ofMillis(20));
                socket.events.closed(1000, "bye");
            } else {
                timers.advance(Duration.ofMillis(10));
            }
        }
        return handshakes;
    }

    @Test
    void anUpstreamThatDropsEverySocketGetsTheBackoffScheduleNotAnImmediateRetry() {
        defaultSchedule();
        h.settings.put("reconnect.jitter", "0");
        connection().open();
        List<Long> handshakes = flappingFor(Duration.ofMinutes(3));
        // each socket lives 20 ms, then the cycle's next delay: 2, 4, 8, 16, 32, 60, 60 ... seconds
        assertEquals(List.of(0L, 2_020L, 6_040L, 14_060L, 30_080L, 62_100L, 122_120L), handshakes.subList(0, 7));
        assertTrue(handshakes.stream().filter(t -> t < 60_000).count() <= 10, "at most 10 in the first minute");
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.RECONNECTING, status.state());
        assertEquals(7, status.attempt(), "each socket lost before stable-after is a failed attempt of the cycle");
        assertTrue(status.flapping());
        assertEquals(20, status.lastSocketMillis());
        assertEquals("flapping: 7 sockets in a row closed within 30s (lived 20ms, 20ms, 20ms)", status.lastError());
        assertTrue(h.events.read(0, 1000, id -> true).stream()
                .anyMatch(e -> e instanceof ConnectionEvent c && c.reason() != null
                        && c.reason().contains("flapping: 3 sockets in a row")),
                "the event's reason says so too");
        assertEquals(7, h.socketLifetimes.size());
        assertEquals(20_000_000L, h.socketLifetimes.get(0), "the observer hears each lifetime (metrics listen)");
    }

    @Test
    void withDefaultJitterAtMostTenHandshakesInTheFirstMinuteAndFailedWhenTheAttemptsRunOut() {
        defaultSchedule();
        h.settings.put("reconnect.jitter", "0.5");
        connection().open();
        List<Long> handshakes = flappingFor(Duration.ofMinutes(20));
        long firstMinute = handshakes.stream().filter(t -> t < 60_000).count();
        assertTrue(firstMinute <= 10, firstMinute + " handshakes in the first minute");
        assertEquals(10, handshakes.size(), "max-attempts sockets, then no more");
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.FAILED, status.state());
        assertEquals(10, status.attempt());
        assertTrue(status.flapping());
        assertTrue(status.lastError().startsWith("flapping: 10 sockets in a row"), status.lastError());
    }

    @Test
    void aStableSocketStartsAFreshCycleAndClearsFlapping() {
        defaultSchedule();
        h.settings.put("reconnect.jitter", "0");
        h.settings.put("reconnect.stable-after", "5s");
        connection().open();
        assertEquals(List.of(0L, 2_020L, 6_040L), flappingFor(Duration.ofSeconds(10)), "3 short sockets");
        assertTrue(connection().status().flapping());
        timers.advance(Duration.ofMillis(14_060 - nowMillis()));
        FakeSocket stable = upstream.last().accept();
        assertTrue(connection().status().flapping(), "not before this socket proved stable");
        timers.advance(Duration.ofSeconds(5));
        assertFalse(connection().status().flapping(), "a socket open for stable-after is stable");
        int before = upstream.attempts.size();
        stable.events.closed(1001, "restart");
        assertEquals(before + 1, upstream.attempts.size(), "the loss of a stable socket: a fresh cycle, at once");
        ConnectionStatus status = connection().status();
        assertEquals(0, status.attempt());
        assertFalse(status.flapping());
        assertEquals(5000, status.lastSocketMillis());
        assertEquals("closed by upstream", status.lastError());

        FakeSocket quick = upstream.last().accept();
        timers.advance(Duration.ofMillis(20));
        quick.events.closed(1000, "bye");
        status = connection().status();
        assertEquals(ConnectionState.RECONNECTING, status.state(), "a short socket after it: the new cycle's backoff");
        assertEquals(1, status.attempt());
        assertEquals(h.clock.instant().plusSeconds(2), status.nextAttemptAt());
    }

    @Test
    void aSocketClosedByTheOperatorEndsTheRowOfShortOnes() {
        defaultSchedule();
        h.settings.put("reconnect.jitter", "0");
        connection().open();
        assertEquals(List.of(0L, 2_020L, 6_040L), flappingFor(Duration.ofSeconds(10)));
        assertTrue(connection().status().flapping());
        timers.advance(Duration.ofMillis(14_060 - nowMillis()));
        upstream.last().accept();
        assertEquals(ConnectionState.OPEN, connection().state());
        connection().close().toCompletableFuture().join();
        connection().open();
        assertFalse(connection().status().flapping(), "a socket closed on request is no loss");
        assertEquals(0, connection().status().attempt());
    }

    @Test
    void theRejectionRulesStayForShortSockets() {
        defaultSchedule();
        h.settings.put("reconnect.jitter", "0");
        connection().open();
        FakeSocket first = upstream.last().accept();
        first.events.closed(1011, "oops"); // attempt 1: next delay 2 s
        timers.advance(Duration.ofSeconds(2));
        FakeSocket second = upstream.last().accept();
        Instant closedAt = h.clock.instant();
        second.events.closed(1013, "try again later");
        assertEquals(closedAt.plusSeconds(4), connection().status().nextAttemptAt(),
                "the cycle's next delay (4 s), at least initial-delay (2 s)");
        timers.advance(Duration.ofSeconds(4));
        FakeSocket third = upstream.last().accept();
        third.events.closed(1003, "unsupported");
        assertEquals(ConnectionState.FAILED, connection().state(), "a fatal code is fatal, short socket or not");
    }

    // --- handshake budgets (connect-rates) ---

    private static LonglinkConfig.ConnectRate rate(String hosts, int limit, Duration per) {
        return new LonglinkConfig.ConnectRate() {
            @Override
            public List<String> hosts() {
                return List.of(hosts.split(","));
            }

            @Override
            public int limit() {
                return limit;
            }

            @Override
            public Duration per() {
                return per;
            }

            @Override
            public Duration margin() {
                return Duration.ZERO;
            }
        };
    }

    @Test
    void aSocketLonglinkReplacesIsRetriedAtOnceButASecondShortOneInARowWaitsForTheBackoff() {
        h.settings.put("inbound.sequence.pointer", "/seq");
        h.settings.put("heartbeat.interval", "10m");
        connection().open();
        FakeSocket first = upstream.last().accept();
        first.events.textReceived("{\"seq\":1}");
        first.events.textReceived("{\"seq\":3}");
        assertEquals(List.of(1000), first.closeCodes);
        assertEquals(2, upstream.attempts.size(), "a resync: the new socket at once");
        FakeSocket second = upstream.last().accept();
        second.events.textReceived("{\"seq\":1}");
        second.events.textReceived("{\"seq\":3}");
        assertEquals(2, upstream.attempts.size(), "the second short-lived socket in a row: no immediate retry");
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.RECONNECTING, status.state());
        assertEquals(h.clock.instant().plusSeconds(4), status.nextAttemptAt(), "the cycle's delay after 2 attempts");
        assertEquals(2, status.attempt());
        timers.advance(Duration.ofMillis(3999));
        assertEquals(2, upstream.attempts.size());
        timers.advance(Duration.ofMillis(1));
        assertEquals(3, upstream.attempts.size());
    }

    @Test
    void aHostsBudgetAppliesToTheFirstMatchingEntryOnly() {
        ConnectRates rates = ConnectRates.of(List.of(rate("*.binance.com,stream.example", 5, Duration.ofSeconds(1)),
                rate("*", 100, Duration.ofMinutes(1))), timers);
        assertEquals("connect-rates[0]: 5 handshakes per 1s", rates.gateFor("Stream.Binance.com").toString());
        assertEquals("connect-rates[1]: 100 handshakes per 1m", rates.gateFor("stream.example.org").toString());
        assertNull(ConnectRates.none().gateFor("anything"));
    }

    @Test
    void aConnectionWaitingForAHandshakeSlotShowsWhenItsTurnComesAndTheWaitIsNoAttempt() {
        defaultSchedule();
        h.settings.put("reconnect.stable-after", "1s");
        h.connectRates = ConnectRates.of(List.of(rate("*.test", 1, Duration.ofSeconds(3))), timers);
        ConnectRates.Gate gate = h.connectRates.gateFor("upstream.test");
        assertTrue(gate.take(n -> 0), "another connection took the only slot");
        gate.settle();

        connection().open();
        ConnectionStatus waiting = connection().status();
        assertEquals(ConnectionState.CONNECTING, waiting.state(), "a first open waits CONNECTING");
        assertEquals(ConnectionHarness.START.plusSeconds(3), waiting.nextAttemptAt());
        assertEquals(0, waiting.attempt());
        assertEquals(0, upstream.attempts.size());
        timers.advance(Duration.ofMillis(2999));
        assertEquals(0, upstream.attempts.size());
        timers.advance(Duration.ofMillis(1));
        assertEquals(1, upstream.attempts.size());
        assertNull(connection().status().nextAttemptAt());
        FakeSocket socket = upstream.last().accept();

        timers.advance(Duration.ofSeconds(3));
        assertTrue(gate.take(n -> 0), "another connection took the slot again");
        gate.settle();
        socket.events.closed(1001, "upstream restarting");
        ConnectionStatus reconnecting = connection().status();
        assertEquals(ConnectionState.RECONNECTING, reconnecting.state(), "a reconnect waits RECONNECTING");
        assertEquals(h.clock.instant().plusSeconds(3), reconnecting.nextAttemptAt());
        assertEquals(0, reconnecting.attempt(), "waiting for a slot is not a failed attempt");
        timers.advance(Duration.ofSeconds(3));
        assertEquals(2, upstream.attempts.size());
        upstream.last().accept();
        assertEquals(ConnectionState.OPEN, connection().state());
    }

    @Test
    void aConnectionClosedWhileWaitingLeavesItsSlotToTheNext() {
        h.connectRates = ConnectRates.of(List.of(rate("upstream.test", 1, Duration.ofSeconds(1))), timers);
        ConnectRates.Gate gate = h.connectRates.gateFor("upstream.test");
        gate.take(n -> 0);
        gate.settle();
        connection().open();
        List<Long> next = new ArrayList<>();
        gate.take(n -> {
            next.add(nowMillis());
            return 1;
        });
        connection().close().toCompletableFuture().join();
        timers.advance(Duration.ofSeconds(1));
        assertEquals(List.of(1000L), next, "the closed connection's turn went to the one behind it");
        assertEquals(0, upstream.attempts.size());
    }

    // --- frames per window (send-rate) ---

    /** A limit of 5 frames a second, two on-open steps and a text heartbeat every second. */
    private void fivePerSecondWithStepsAndTextHeartbeats() {
        h.settings.put("send-rate.limit", "5");
        h.settings.put("send-rate.per", "1s");
        h.settings.put("send-rate.margin", "0s");
        h.settings.put("on-open[0].text", "login");
        h.settings.put("on-open[1].text", "subscribe");
        h.settings.put("heartbeat.mode", "text");
        h.settings.put("heartbeat.text", "ping");
        h.settings.put("heartbeat.expect", "text:pong");
        h.settings.put("heartbeat.interval", "1s");
        h.settings.put("heartbeat.timeout", "3s");
    }

    /**
     * Moves fake time a millisecond at a time until {@code untilMillis}, answering each text ping with a pong, and
     * adds to {@code at} the moment each new frame of {@code socket} was written.
     */
    private void watch(FakeSocket socket, List<Long> at, long untilMillis) {
        int seen = socket.frames.size();
        for (int i = at.size(); i < seen; i++) {
            at.add(nowMillis());
        }
        while (nowMillis() < untilMillis) {
            timers.advance(Duration.ofMillis(1));
            for (int i = seen; i < socket.frames.size(); i++) {
                at.add(nowMillis());
                if (socket.frames.get(i).equals("ping")) {
                    socket.events.textReceived("pong");
                }
            }
            seen = socket.frames.size();
        }
    }

    /** The most frames written in any window of {@code perMillis}. */
    private static int mostInAnyWindow(List<Long> at, long perMillis) {
        int most = 0;
        for (int i = 0; i < at.size(); i++) {
            int j = i;
            while (j < at.size() && at.get(j) - at.get(i) < perMillis) {
                j++;
            }
            most = Math.max(most, j - i);
        }
        return most;
    }

    @Test
    void everyFrameWaitsForTheSendRateInOrderAndAWaitingMessageStaysQueued() {
        fivePerSecondWithStepsAndTextHeartbeats();
        for (int i = 0; i < 20; i++) {
            h.send("m" + i);
        }
        connection().open();
        FakeSocket socket = upstream.last().accept();
        assertEquals(List.of("login", "subscribe", "m0", "m1", "m2"), socket.frames, "5 frames in the first second");
        ConnectionStatus waiting = connection().status();
        assertEquals(ConnectionState.OPEN, waiting.state());
        assertEquals(17, waiting.queued(), "the messages waiting for the rate stay queued");
        assertEquals(3, waiting.sent());

        List<Long> at = new ArrayList<>();
        watch(socket, at, 8_000);
        List<String> messages = socket.frames.stream().filter(f -> !f.equals("ping")).toList();
        List<String> expected = new ArrayList<>(List.of("login", "subscribe"));
        for (int i = 0; i < 20; i++) {
            expected.add("m" + i);
        }
        assertEquals(expected, messages, "nothing dropped, nothing reordered");
        long pings = socket.frames.stream().filter(f -> f.equals("ping")).count();
        assertTrue(pings >= 5, pings + " text heartbeats written among them");
        assertEquals(5, mostInAnyWindow(at, 1000), "never more than 5 frames in any second: " + at);
        assertEquals(0, connection().status().queued());
        assertEquals(ConnectionState.OPEN, connection().state(), "no heartbeat missed for the waits");
        assertTrue(connection().sendRateWaits() > 0);
    }

    @Test
    void theOnOpenStepsOfANewSocketCountInTheWindowTheLastSocketWroteIn() {
        fivePerSecondWithStepsAndTextHeartbeats();
        h.settings.put("heartbeat.interval", "10m");
        h.settings.put("reconnect.stable-after", "50ms");
        for (int i = 0; i < 6; i++) {
            h.send("m" + i);
        }
        connection().open();
        FakeSocket first = upstream.last().accept();
        List<Long> at = new ArrayList<>();
        watch(first, at, 100);
        assertEquals(List.of("login", "subscribe", "m0", "m1", "m2"), first.frames);
        first.events.closed(1001, "going away");
        assertEquals(2, upstream.attempts.size(), "a stable socket's loss: a new one at once");
        FakeSocket second = upstream.last().accept();
        assertTrue(second.frames.isEmpty(), "its on-open steps wait for the window the last socket filled");
        assertEquals(ConnectionState.CONNECTING, connection().state(), "not open before its steps ran");
        watch(second, at, 3_000);
        assertEquals(List.of("login", "subscribe", "m3", "m4", "m5"), second.frames, "in order, none lost");
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 1000L, 1000L, 1000L, 1000L, 1000L), at);
        assertEquals(ConnectionState.OPEN, connection().state());
    }

    @Test
    void aRotationsIncomingSocketWritesItsStepsAndTheHandedOverOutboxInTheConnectionsWindow() {
        h.settings.put("send-rate.limit", "5");
        h.settings.put("send-rate.margin", "0s");
        h.settings.put("on-open[0].text", "login");
        h.settings.put("heartbeat.interval", "10m");
        h.settings.put("rotate-on", "json:/type=reconnect");
        for (int i = 0; i < 4; i++) {
            h.send("m" + i);
        }
        connection().open();
        FakeSocket old = upstream.last().accept();
        assertEquals(List.of("login", "m0", "m1", "m2", "m3"), old.frames, "the window is full");
        old.events.textReceived("{\"type\":\"reconnect\"}");
        FakeSocket incoming = upstream.last().accept();
        h.send("m4");
        timers.advance(Duration.ofMillis(999));
        assertTrue(incoming.frames.isEmpty(), "the incoming socket's step waits for the window the old one filled");
        assertEquals(5, old.frames.size(), "and so does the old socket's next message");
        assertEquals(List.of(), old.closeCodes, "the old socket carries the feed meanwhile");
        timers.advance(Duration.ofMillis(1));
        assertEquals(List.of("login", "m4"), incoming.frames, "the step first, then the outbox, once handed over");
        assertEquals(List.of("login", "m0", "m1", "m2", "m3"), old.frames, "each message on exactly one socket");
        assertEquals(List.of(1000), old.closeCodes);
        assertEquals(2, connection().generation());
        assertEquals(0, connection().status().queued());
        assertEquals(List.of(1_000_000_000L), h.socketLifetimes, "the rotated socket's lifetime is recorded");
        assertEquals(1000, connection().status().lastSocketMillis());
    }

    @Test
    void aRotationsHandshakeWaitsForASlotOfTheHostsBudgetAndTheOpenSocketServesMeanwhile() {
        h.settings.put("heartbeat.interval", "10m");
        h.settings.put("rotate-on", "json:/type=reconnect");
        h.connectRates = ConnectRates.of(List.of(rate("upstream.test", 1, Duration.ofSeconds(3))), timers);
        connection().open();
        FakeSocket old = upstream.last().accept();
        old.events.textReceived("{\"type\":\"reconnect\"}");
        timers.advance(Duration.ofMillis(2999));
        assertEquals(1, upstream.attempts.size(), "the rotation's handshake waits for the host's next slot");
        h.send("m0");
        assertEquals(List.of("m0"), old.frames);
        timers.advance(Duration.ofMillis(1));
        assertEquals(2, upstream.attempts.size());
        upstream.last().accept();
        assertEquals(List.of(1000), old.closeCodes);
        assertEquals(ConnectionState.OPEN, connection().state());
        assertEquals(2, connection().generation());
    }

    @Test
    void theDefaultMarginLengthensTheWindowSoFramesReadLateDoNotBunchAtTheUpstream() {
        h.settings.put("send-rate.limit", "2");
        h.settings.put("heartbeat.interval", "10m");
        for (int i = 0; i < 5; i++) {
            h.send("m" + i);
        }
        connection().open();
        FakeSocket socket = upstream.last().accept();
        List<Long> at = new ArrayList<>();
        watch(socket, at, 3_000);
        assertEquals(List.of(0L, 0L, 1050L, 1050L, 2100L), at, "per 1s + margin 50ms");
    }

    @Test
    void requestsCountInTheSendRateAndKeepTheirPlaceAmongTheMessages() {
        h.settings.put("send-rate.limit", "3");
        h.settings.put("send-rate.per", "1s");
        h.settings.put("send-rate.margin", "0s");
        h.settings.put("heartbeat.interval", "10m");
        connection().open();
        FakeSocket socket = upstream.last().accept();
        for (int i = 0; i < 4; i++) {
            h.send("m" + i);
        }
        CompletableFuture<Reply> first = connection()
                .request("{\"id\":\"r1\"}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10))
                .toCompletableFuture();
        h.send("m4");
        CompletableFuture<Reply> second = connection()
                .request("{\"id\":\"r2\"}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10))
                .toCompletableFuture();
        assertEquals(List.of("m0", "m1", "m2"), socket.frames, "3 frames in the first second");
        assertEquals(2, connection().status().requests(), "the requests wait for the rate");

        List<Long> at = new ArrayList<>();
        watch(socket, at, 3_000);
        assertEquals(List.of("m0", "m1", "m2", "m3", "{\"id\":\"r1\"}", "m4", "{\"id\":\"r2\"}"), socket.frames,
                "requests go in arrival order among the messages, through the same window");
        assertEquals(List.of(0L, 0L, 0L, 1000L, 1000L, 1000L, 2000L), at, "requests count: 3 frames a second");
        socket.events.textReceived("{\"id\":\"r2\",\"result\":2}");
        socket.events.textReceived("{\"id\":\"r1\",\"result\":1}");
        assertEquals("r1", first.join().requestId());
        assertEquals("r2", second.join().requestId());
        assertTrue(connection().sendRateWaits() > 0);
    }

    @Test
    void withoutALimitEveryFrameLeavesAtOnce() {
        h.settings.put("on-open[0].text", "login");
        for (int i = 0; i < 30; i++) {
            h.send("m" + i);
        }
        connection().open();
        FakeSocket socket = upstream.last().accept();
        assertEquals(31, socket.frames.size());
        assertEquals(0, connection().sendRateWaits());
    }
}
