package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;

import io.longlink.connection.FakeUpstream.FakeSocket;
import io.longlink.inbox.InboundLog;
import io.longlink.outbox.MessageState;
import io.longlink.outbox.OutboxStore;

/** The whole lifecycle of one connection on fake time ({@link ConnectionHarness}); nothing here waits for real time. */
class ManagedConnectionTest {

    private static final String ID = ConnectionHarness.ID;

    private final ConnectionHarness h = new ConnectionHarness();
    private final ManualTimers timers = h.timers;
    private final Clock clock = h.clock;
    private final FakeUpstream upstream = h.upstream;
    private final OutboxStore outbox = h.outbox;
    private final InboundLog inbox = h.inbox;
    private final List<Long> roundTrips = h.roundTrips;
    private final Map<String, String> settings = h.settings;

    private ManagedConnection connection() {
        return h.connection();
    }

    private ConnectionState state() {
        return connection().state();
    }

    private FakeSocket openSocket() {
        connection().open();
        FakeSocket socket = upstream.last().accept();
        assertEquals(ConnectionState.OPEN, state());
        return socket;
    }

    private void send(String text) {
        h.send(text);
    }

    @Test
    void openAndCloseAreIdempotent() {
        connection().open();
        connection().open();
        assertEquals(1, upstream.attempts.size());
        FakeSocket socket = upstream.last().accept();
        connection().open();
        assertEquals(1, upstream.attempts.size());
        assertEquals(1, connection().generation());

        CompletionStage<ConnectionStatus> first = connection().close();
        CompletionStage<ConnectionStatus> second = connection().close();
        assertEquals(ConnectionState.CLOSED, first.toCompletableFuture().join().state());
        assertEquals(ConnectionState.CLOSED, second.toCompletableFuture().join().state());
        assertEquals(List.of(1000), socket.closeCodes);
        assertEquals(DesiredState.CLOSED, connection().status().desired());
        timers.advance(Duration.ofMinutes(5));
        assertEquals(1, upstream.attempts.size(), "an operator's close is never undone");
    }

    @Test
    void closeWhileConnectingAbortsTheAttemptAndALateHandshakeIsClosed() {
        connection().open();
        FakeUpstream.Attempt pending = upstream.last();
        assertEquals(ConnectionState.CONNECTING, state());
        connection().close().toCompletableFuture().join();
        assertEquals(ConnectionState.CLOSED, state());

        FakeSocket late = pending.accept();
        assertEquals(List.of(1000), late.closeCodes, "the socket that opened after the close is closed at once");
        assertEquals(ConnectionState.CLOSED, state());
        assertEquals(0, connection().generation());
        timers.advance(Duration.ofMinutes(1));
        assertEquals(1, upstream.attempts.size());
    }

    @Test
    void theHandshakeHasADeadlineThatCountsAsAFailedAttempt() {
        connection().open();
        timers.advance(Duration.ofSeconds(10));
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.RECONNECTING, status.state());
        assertEquals(1, status.attempt());
        assertTrue(status.lastError().contains("no handshake within 10000 ms"), status.lastError());
        FakeSocket late = upstream.attempts.get(0).accept();
        assertEquals(List.of(1000), late.closeCodes);
        assertEquals(ConnectionState.RECONNECTING, state());
    }

    @Test
    void aLostSocketIsRetriedAtOnceThenWithBackoff() {
        FakeSocket socket = openSocket();
        socket.events.closed(1011, "bye");
        assertEquals(2, upstream.attempts.size(), "the first retry after a drop is immediate");
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.CONNECTING, status.state());
        assertEquals("closed by upstream", status.lastError());
        assertEquals(1011, status.lastCloseCode());
        assertEquals("bye", status.lastCloseReason());

        upstream.last().refuse();
        assertEquals(ConnectionState.RECONNECTING, state());
        timers.advance(Duration.ofMillis(1999));
        assertEquals(2, upstream.attempts.size());
        timers.advance(Duration.ofMillis(1));
        assertEquals(3, upstream.attempts.size());
        upstream.last().accept();
        assertEquals(ConnectionState.OPEN, state());
        assertEquals(2, connection().generation());
        assertEquals(0, connection().status().attempt());
    }

    @Test
    void backoffDoublesUpToTheCapAndNextAttemptAtIsHonest() {
        settings.put("reconnect.max-attempts", "6");
        connection().open();
        upstream.last().refuse();
        for (long expected : new long[] { 2000, 4000, 8000, 8000 }) {
            ConnectionStatus status = connection().status();
            assertEquals(ConnectionState.RECONNECTING, status.state());
            Instant due = clock.instant().plusMillis(expected);
            assertEquals(due, status.nextAttemptAt());
            int before = upstream.attempts.size();
            timers.advance(Duration.ofMillis(expected - 1));
            assertEquals(before, upstream.attempts.size(), "no attempt before " + expected + " ms");
            timers.advance(Duration.ofMillis(1));
            assertEquals(before + 1, upstream.attempts.size());
            assertEquals(ConnectionState.CONNECTING, state());
            assertNull(connection().status().nextAttemptAt());
            upstream.last().refuse();
        }
        assertEquals(5, connection().status().attempt());
    }

    @Test
    void attemptsExhaustedMeanFailedThenOpenOrAMessageStartAFreshCycle() {
        connection().open();
        refuseEveryAttempt(4);
        ConnectionStatus failed = connection().status();
        assertEquals(ConnectionState.FAILED, failed.state());
        assertEquals(4, failed.attempt());
        assertEquals(4, connection().failedAttemptsTotal());
        timers.advance(Duration.ofHours(1));
        assertEquals(4, upstream.attempts.size(), "FAILED stays FAILED");

        connection().open();
        assertEquals(0, connection().status().attempt());
        assertEquals(5, upstream.attempts.size());
        refuseEveryAttempt(4);
        assertEquals(ConnectionState.FAILED, state());

        send("wake up");
        assertEquals(9, upstream.attempts.size());
        FakeSocket socket = upstream.last().accept();
        assertEquals(List.of("wake up"), socket.frames);
    }

    private void refuseEveryAttempt(int attempts) {
        for (int i = 0; i < attempts; i++) {
            upstream.last().refuse();
            timers.advance(Duration.ofSeconds(8));
        }
    }

    @Test
    void anUnreachableNetworkIsOfflineUncountedAndTheProbesAnswerReconnectsWithAttemptsReset() {
        connection().open();
        upstream.last().refuse();
        timers.advance(Duration.ofSeconds(2));
        upstream.last().unresolvable();
        ConnectionStatus offline = connection().status();
        assertEquals(ConnectionState.OFFLINE, offline.state());
        assertEquals(1, offline.attempt(), "the attempt that found the network gone is not counted");
        assertEquals(1, connection().offlinePeriods());

        timers.advance(Duration.ofSeconds(1));
        assertEquals(1, upstream.probes.size());
        upstream.lastProbe().completeExceptionally(new java.net.NoRouteToHostException("No route to host"));
        assertEquals("offline: No route to host", connection().status().lastError());
        timers.advance(Duration.ofMinutes(10));
        assertEquals(2, upstream.attempts.size(), "no connection attempt while offline");
        assertEquals(2, upstream.probes.size(), "one probe in flight at a time");

        upstream.lastProbe().complete(null);
        assertEquals(3, upstream.attempts.size(), "reconnects the moment the probe answers");
        assertEquals(0, connection().status().attempt());
        upstream.last().accept();
        assertEquals(ConnectionState.OPEN, state());
    }

    @Test
    void closeWhileOfflineStopsTheProbe() {
        connection().open();
        upstream.last().unresolvable();
        assertEquals(ConnectionState.OFFLINE, state());
        connection().close().toCompletableFuture().join();
        timers.advance(Duration.ofMinutes(1));
        assertTrue(upstream.probes.isEmpty());
        assertEquals(ConnectionState.CLOSED, state());
    }

    @Test
    void aSecondCloseWhileClosingJoinsTheFirstAndTheCloseTimeoutEndsIt() {
        FakeSocket socket = openSocket();
        socket.answersClose = false;
        CompletionStage<ConnectionStatus> first = connection().close();
        assertEquals(ConnectionState.CLOSING, state());
        CompletionStage<ConnectionStatus> second = connection().close();
        assertEquals(List.of(1000), socket.closeCodes, "one close frame");
        timers.advance(Duration.ofMillis(4999));
        assertFalse(first.toCompletableFuture().isDone());
        timers.advance(Duration.ofMillis(1));
        ConnectionStatus closed = first.toCompletableFuture().join();
        assertEquals(ConnectionState.CLOSED, closed.state());
        assertEquals(ConnectionState.CLOSED, second.toCompletableFuture().join().state());
        assertEquals("closed by operator (no close frame from upstream in time)", closed.lastCloseReason());
        socket.pendingCloses.forEach(c -> c.complete(null));
        assertEquals(ConnectionState.CLOSED, state());
    }

    @Test
    void openDuringClosingReconnectsOnceTheCloseEnded() {
        FakeSocket socket = openSocket();
        socket.answersClose = false;
        connection().close();
        connection().open();
        assertEquals(ConnectionState.CLOSING, state());
        assertEquals(1, upstream.attempts.size());
        socket.pendingCloses.get(0).complete(null);
        assertEquals(2, upstream.attempts.size());
        assertEquals(ConnectionState.CONNECTING, state());
    }

    @Test
    void shutdownClosesWith1001AndNeverReconnects() {
        FakeSocket socket = openSocket();
        connection().shutdown().toCompletableFuture().join();
        assertEquals(List.of(1001), socket.closeCodes);
        assertEquals(ConnectionState.CLOSED, state());
        assertEquals(DesiredState.OPEN, connection().status().desired(), "desired is kept for the next start");
        connection().open();
        send("after shutdown");
        timers.advance(Duration.ofMinutes(1));
        assertEquals(1, upstream.attempts.size());
    }

    @Test
    void lateCallbacksOfAnOldSocketChangeNothing() {
        FakeSocket old = openSocket();
        old.events.failed(new IllegalStateException("Connection was closed"));
        FakeSocket current = upstream.last().accept();
        assertEquals(2, connection().generation());
        long received = connection().receivedCount();

        old.events.closed(1006, null);
        old.events.failed(new IllegalStateException("again"));
        old.events.textReceived("stale");
        old.events.pongReceived();
        assertEquals(ConnectionState.OPEN, state());
        assertEquals(2, connection().generation());
        assertEquals(received, connection().receivedCount());
        assertEquals(0, inbox.read(0, 10).size());
        assertEquals(2, upstream.attempts.size());

        current.events.textReceived("fresh");
        assertEquals("fresh", inbox.read(0, 10).get(0).data());
    }

    @Test
    void aMissedPongReplacesTheSocketAtOnce() {
        FakeSocket socket = openSocket();
        timers.advance(Duration.ofSeconds(10));
        assertEquals(1, socket.pings);
        socket.events.pongReceived();
        assertEquals(1, roundTrips.size());
        assertTrue(connection().status().rttMillis() != null);
        timers.advance(Duration.ofSeconds(10));
        timers.advance(Duration.ofSeconds(3));
        assertEquals(List.of(1011), socket.closeCodes);
        assertTrue(connection().status().lastError().startsWith("heartbeat: no pong within 3000 ms"),
                connection().status().lastError());
        assertEquals(2, upstream.attempts.size());
    }

    @Test
    void noPingsOnceClosed() {
        FakeSocket socket = openSocket();
        timers.advance(Duration.ofSeconds(10));
        socket.events.pongReceived();
        assertEquals(1, socket.pings);
        connection().close().toCompletableFuture().join();
        timers.advance(Duration.ofMinutes(10));
        assertEquals(1, socket.pings);
        assertEquals(List.of(1000), socket.closeCodes, "no heartbeat miss after the close");
    }

    @Test
    void queuedMessagesGoOutInOrderOnOpenAndAFailedWriteKeepsTheRestForTheNextSocket() {
        for (int i = 1; i <= 5; i++) {
            send("m" + i);
        }
        connection().open();
        FakeUpstream.Attempt attempt = upstream.last();
        FakeSocket first = new FakeSocket(attempt.events);
        first.failWritesAfter = 2;
        attempt.result.complete(first);
        assertEquals(List.of("m1", "m2"), first.frames);
        assertTrue(connection().status().lastError().startsWith("write failed"), connection().status().lastError());
        assertEquals(3, connection().queued());
        assertEquals(MessageState.SENT, outbox.find(ID, 2).orElseThrow().state());
        assertEquals(MessageState.QUEUED, outbox.find(ID, 3).orElseThrow().state());

        FakeSocket second = upstream.last().accept();
        assertEquals(List.of("m3", "m4", "m5"), second.frames);
        send("m6");
        assertEquals(List.of("m3", "m4", "m5", "m6"), second.frames);
        assertEquals(0, connection().queued());
        assertEquals(6, connection().sentCount());
    }

    @Test
    void statusShowsTheSamePhaseAsState() {
        assertEquals(ConnectionState.CLOSED, connection().status().state());
        connection().open();
        assertSame(ConnectionState.CONNECTING, connection().status().state());
    }
}
