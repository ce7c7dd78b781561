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

    /** Enqueues {@code count} messages named {@code prefix0...}; their answers. */
    private List<java.util.concurrent.CompletableFuture<io.longlink.outbox.Enqueued>> enqueue(String prefix, int count) {
        List<java.util.concurrent.CompletableFuture<io.longlink.outbox.Enqueued>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            answers.add(connection().enqueue(new io.longlink.outbox.EnqueueRequest(ID, false,
                    (prefix + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), null)).toCompletableFuture());
        }
        return answers;
    }

    private static List<Boolean> answered(List<java.util.concurrent.CompletableFuture<io.longlink.outbox.Enqueued>> answers) {
        return answers.stream().map(java.util.concurrent.CompletableFuture::isDone).toList();
    }

    @Test
    void answersAreHeldWhileTheOpenSocketIsBehindAndGoWhenItCatchesUp() {
        settings.put("outbox.pace-above", "2");
        FakeSocket socket = openSocket();
        socket.holdWrites = true;
        var answers = enqueue("m", 5);
        // m0 is being written; m1 makes 2 waiting, at the threshold; m2..m4 are stored, their answers held
        assertEquals(List.of(true, true, false, false, false), answered(answers));
        assertEquals(5, outbox.queued(ID));
        socket.completeWrites();
        assertEquals(List.of(true, true, false, false, false), answered(answers), "4 still wait, above 2");
        socket.completeWrites();
        assertEquals(List.of(true, true, true, true, true), answered(answers));
        assertEquals(List.of("m0", "m1", "m2", "m3", "m4"), socket.frames);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), answers.stream().map(a -> a.join().id()).toList());
    }

    @Test
    void aHeldAnswerGoesAtPaceTimeoutOrWhenTheSocketEndsAndNothingIsHeldWhileNotOpen() {
        settings.put("outbox.pace-above", "1");
        settings.put("outbox.pace-timeout", "2s");
        FakeSocket socket = openSocket();
        socket.holdWrites = true;
        var first = enqueue("a", 3);
        assertEquals(List.of(true, false, false), answered(first));
        timers.advance(Duration.ofMillis(1999));
        assertEquals(List.of(true, false, false), answered(first));
        timers.advance(Duration.ofMillis(1));
        assertEquals(List.of(true, true, true), answered(first), "held for pace-timeout at most");
        assertEquals(3, outbox.queued(ID), "answered, still queued: nothing is dropped");

        var second = enqueue("b", 2);
        assertEquals(List.of(false, false), answered(second));
        socket.events.failed(new java.io.IOException("connection reset"));
        assertEquals(List.of(true, true), answered(second), "a socket that ended releases what waited for it");
        assertTrue(state() != ConnectionState.OPEN);
        assertEquals(List.of(true, true, true), answered(enqueue("c", 3)), "no pacing while not open");
        assertEquals(8, outbox.queued(ID));
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
    void aStableSocketLostIsRetriedAtOnceThenWithBackoff() {
        settings.put("reconnect.stable-after", "1s");
        FakeSocket socket = openSocket();
        timers.advance(Duration.ofSeconds(1));
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
        timers.advance(Duration.ofSeconds(2));
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
        assertEquals(0, h.inbound().size());
        assertEquals(2, upstream.attempts.size());

        current.events.textReceived("fresh");
        assertEquals("fresh", h.inbound().get(0).data());
    }

    @Test
    void aMissedPongReplacesTheSocketAtOnce() {
        settings.put("reconnect.stable-after", "20s");
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
        timers.advance(Duration.ofSeconds(2)); // a socket lost at once is not retried at once

        FakeSocket second = upstream.last().accept();
        assertEquals(List.of("m3", "m4", "m5"), second.frames);
        send("m6");
        assertEquals(List.of("m3", "m4", "m5", "m6"), second.frames);
        assertEquals(0, connection().queued());
        assertEquals(6, connection().sentCount());
    }

    // --- cluster ownership (issue 16) ---

    @Test
    void anInstanceThatLostItsLeaseWritesNothingMoreAndDoesNotReconnect() {
        FakeSocket socket = openSocket();
        send("m1");
        assertEquals(List.of("m1"), socket.frames);

        h.owned = false; // the lease lapsed (this process was paused), not yet noticed by the watchdog
        send("m2");
        assertEquals(List.of("m1"), socket.frames, "not a frame is written without the lease");
        assertEquals(List.of(1011), socket.closeCodes, "the socket is dropped the moment the sender notices");
        assertEquals(ConnectionState.CLOSED, state());
        assertTrue(connection().status().lastError().contains("no longer owns"), connection().status().lastError());
        timers.advance(Duration.ofMinutes(5));
        assertEquals(1, upstream.attempts.size(), "a non-owner never reconnects");
        connection().open();
        assertEquals(1, upstream.attempts.size(), "nor opens when asked");
        assertEquals(1, connection().queued(), "m2 stays queued for the next owner");
    }

    @Test
    void aConnectionHandedOverClosesWith1001AndTheNewOwnershipOpensItAgain() {
        FakeSocket socket = openSocket();
        h.owned = false;
        connection().suspend("handed over to another instance");
        assertEquals(List.of(1001), socket.closeCodes);
        socket.events.closed(1001, "handed over");
        assertEquals(ConnectionState.CLOSED, state());
        assertEquals(DesiredState.OPEN, connection().status().desired(), "what the operator wants is kept");
        timers.advance(Duration.ofMinutes(1));
        assertEquals(1, upstream.attempts.size());

        h.owned = true;
        connection().resume(DesiredState.OPEN);
        assertEquals(2, upstream.attempts.size());
        upstream.last().accept();
        assertEquals(ConnectionState.OPEN, state());
    }

    @Test
    void statusShowsTheSamePhaseAsState() {
        assertEquals(ConnectionState.CLOSED, connection().status().state());
        connection().open();
        assertSame(ConnectionState.CONNECTING, connection().status().state());
    }

    // --- the rejection policy and credentials (issue 11) ---

    private void useOAuth2() {
        settings.put("auth.oauth2.token-url", "https://auth.test/oauth/token");
        settings.put("auth.oauth2.client-id", "longlink");
        settings.put("auth.oauth2.client-secret", "{{env:FEED_SECRET}}");
        settings.put("auth.oauth2.scope", "feed:read");
        h.variables.put("FEED_SECRET", "s3cr3t-client");
    }

    @Test
    void aRejectedTokenIsRefetchedOnceAtOnceThenTheConnectionFails() {
        useOAuth2();
        connection().open();
        assertEquals("Bearer tok-1", upstream.last().headers.get("Authorization"), "fetched before the handshake");
        upstream.last().reject(401, null);
        assertEquals(2, upstream.attempts.size(), "one attempt at once with a new token");
        assertEquals("Bearer tok-2", upstream.last().headers.get("Authorization"));
        upstream.last().reject(401, null);
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.FAILED, status.state());
        assertEquals("unauthorized (HTTP 401)", status.lastError());
        timers.advance(Duration.ofMinutes(10));
        assertEquals(2, upstream.attempts.size(), "two handshakes, not max-attempts");
        assertEquals(2, h.tokenEndpoint.requests.size());
        assertEquals("s3cr3t-client", h.tokenEndpoint.requests.get(1).clientSecret(), "templates expanded per request");
        assertEquals("feed:read", h.tokenEndpoint.requests.get(1).scope());

        connection().open();
        upstream.last().accept();
        assertEquals(ConnectionState.OPEN, state(), "an operator's open starts afresh");
        assertNoSecretShown("s3cr3t-client", "tok-");
    }

    @Test
    void aHeldTokenIsReusedUntilItExpiresWithinTheMargin() {
        useOAuth2();
        settings.put("reconnect.stable-after", "10s");
        settings.put("heartbeat.interval", "60s");
        h.tokenEndpoint.lifetime = Duration.ofSeconds(60);
        FakeSocket first = openSocket();
        timers.advance(Duration.ofSeconds(20));
        first.events.closed(1011, "restart");
        assertEquals("Bearer tok-1", upstream.last().headers.get("Authorization"), "60 s left: kept");
        FakeSocket second = upstream.last().accept();
        timers.advance(Duration.ofSeconds(15));
        second.events.closed(1011, "restart");
        assertEquals("Bearer tok-2", upstream.last().headers.get("Authorization"), "25 s left: within 30 s, replaced");
        upstream.last().accept();
        assertEquals(2, h.tokenEndpoint.requests.size());
    }

    @Test
    void policyViolationOnAnOpenSocketRefreshesAndASecondRejectionFails() {
        useOAuth2();
        FakeSocket socket = openSocket();
        socket.events.closed(1008, "token expired");
        assertEquals(2, upstream.attempts.size(), "reconnected at once");
        assertEquals("Bearer tok-2", upstream.last().headers.get("Authorization"), "with a new token");
        upstream.last().reject(401, null);
        assertEquals(ConnectionState.FAILED, state());
        assertEquals("unauthorized (HTTP 401)", connection().status().lastError());
    }

    @Test
    void aStableSocketEndsTheUnauthorizedStreak() {
        useOAuth2();
        settings.put("reconnect.stable-after", "5s");
        connection().open();
        upstream.last().reject(401, null);
        FakeSocket socket = upstream.last().accept();
        assertEquals(ConnectionState.OPEN, state());
        timers.advance(Duration.ofSeconds(5));
        socket.events.closed(1008, "token revoked");
        assertEquals(ConnectionState.CONNECTING, state(), "a 1008 after a stable socket is a first rejection");
        assertEquals(3, h.tokenEndpoint.requests.size());
    }

    @Test
    void anUnauthorizedCloseRightAfterTheRefreshedRetryOpenedIsTheSecondInARow() {
        useOAuth2();
        FakeSocket first = openSocket();
        first.events.closed(1008, "not allowed");
        assertEquals(2, upstream.attempts.size(), "refreshed and retried at once");
        FakeSocket second = upstream.last().accept();
        second.events.closed(1008, "not allowed");
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.FAILED, status.state(), "an upstream that keeps refusing is never hammered");
        assertEquals("unauthorized (close code 1008)", status.lastError());
        timers.advance(Duration.ofMinutes(10));
        assertEquals(2, upstream.attempts.size());
    }

    @Test
    void onlyTheUnauthorizedCloseCodesRefreshOtherPolicyClosesBackOff() {
        useOAuth2();
        settings.put("reconnect.unauthorized-close-codes", "4001");
        FakeSocket first = openSocket();
        first.events.closed(1008, "too many requests");
        assertEquals(ConnectionState.RECONNECTING, state(), "1008 is no longer read as credentials refused");
        assertEquals(1, h.tokenEndpoint.requests.size(), "no new token for it");
        timers.advance(Duration.ofSeconds(2));
        FakeSocket second = upstream.last().accept();
        second.events.closed(4001, "token revoked");
        assertEquals(3, upstream.attempts.size(), "4001 refreshes and retries at once");
        assertEquals(2, h.tokenEndpoint.requests.size());
    }

    @Test
    void theTokenAsAQueryParameterInsteadOfTheHeader() {
        useOAuth2();
        settings.put("auth.oauth2.query-param", "access_token");
        connection().open();
        assertEquals(Map.of("access_token", "tok-1"), upstream.last().query);
        assertNull(upstream.last().headers.get("Authorization"));
    }

    @Test
    void aFailingTokenEndpointIsAFailedAttemptWithBackoffAndNoHandshake() {
        useOAuth2();
        h.tokenEndpoint.failing = true;
        connection().open();
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.RECONNECTING, status.state());
        assertEquals(1, status.attempt());
        assertTrue(status.lastError().startsWith("oauth2: "), status.lastError());
        assertEquals(0, upstream.attempts.size());
        h.tokenEndpoint.failing = false;
        timers.advance(Duration.ofSeconds(2));
        upstream.last().accept();
        assertEquals(ConnectionState.OPEN, state());
    }

    @Test
    void withoutOAuth2A401StillRetriesOnceAtOnceWithHeaderFilesReread() {
        connection().open();
        upstream.last().reject(401, null);
        assertEquals(2, upstream.attempts.size());
        upstream.last().reject(401, null);
        assertEquals(ConnectionState.FAILED, state());
        assertEquals(2, upstream.attempts.size());
    }

    @Test
    void aFatalStatusFailsAtOnce() {
        connection().open();
        upstream.last().reject(403, null);
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.FAILED, status.state());
        assertEquals("handshake rejected with HTTP status 403", status.lastError());
        assertEquals(1, status.attempt());
        timers.advance(Duration.ofMinutes(10));
        assertEquals(1, upstream.attempts.size());
        assertTrue(h.stateChanges().stream()
                .anyMatch(e -> e.state() == ConnectionState.FAILED && e.reason().contains("403")));
    }

    @Test
    void fatalStatusesAreConfigurable() {
        settings.put("reconnect.fatal-statuses", "418");
        connection().open();
        upstream.last().reject(403, null);
        assertEquals(ConnectionState.RECONNECTING, state(), "403 is no longer fatal");
        timers.advance(Duration.ofSeconds(2));
        upstream.last().reject(418, null);
        assertEquals(ConnectionState.FAILED, state());
    }

    @Test
    void aFatalCloseCodeOnAnOpenSocketFailsAtOnce() {
        FakeSocket socket = openSocket();
        socket.events.closed(1003, "cannot accept text");
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.FAILED, status.state());
        assertEquals("closed by upstream with close code 1003", status.lastError());
        assertEquals(1003, status.lastCloseCode());
        timers.advance(Duration.ofMinutes(10));
        assertEquals(1, upstream.attempts.size(), "no reconnect");
    }

    @Test
    void aFatalCloseCodeDuringTheOnOpenStepsFailsAtOnce() {
        settings.put("on-open[0].text", "login");
        settings.put("on-open[0].expect", "text:ok");
        connection().open();
        upstream.last().accept().events.closed(1007, "bad payload");
        assertEquals(ConnectionState.FAILED, state());
        assertEquals("closed by upstream with close code 1007", connection().status().lastError());
    }

    @Test
    void retryAfterIsHonouredBeyondTheMaxDelayAndNextAttemptAtShowsIt() {
        connection().open();
        Instant rejectedAt = clock.instant();
        upstream.last().reject(429, "30");
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.RECONNECTING, status.state());
        assertEquals(rejectedAt.plusSeconds(30), status.nextAttemptAt(), "not the 2 s backoff, not the 8 s cap");
        timers.advance(Duration.ofMillis(29_999));
        assertEquals(1, upstream.attempts.size());
        timers.advance(Duration.ofMillis(1));
        assertEquals(2, upstream.attempts.size());
        upstream.last().reject(503, null);
        assertEquals(clock.instant().plusSeconds(4), connection().status().nextAttemptAt(),
                "without Retry-After the usual backoff");
    }

    @Test
    void retryAfterAsAnHttpDate() {
        connection().open();
        upstream.last().reject(503, "Tue, 01 Dec 2026 10:01:00 GMT");
        assertEquals(Instant.parse("2026-12-01T10:01:00Z"), connection().status().nextAttemptAt());
    }

    @Test
    void tryAgainLaterWaitsAtLeastTheInitialDelayInsteadOfTheImmediateRetry() {
        FakeSocket socket = openSocket();
        Instant closedAt = clock.instant();
        socket.events.closed(1013, "overloaded");
        ConnectionStatus status = connection().status();
        assertEquals(ConnectionState.RECONNECTING, status.state());
        assertEquals(closedAt.plusSeconds(2), status.nextAttemptAt());
        timers.advance(Duration.ofMillis(1999));
        assertEquals(1, upstream.attempts.size());
        timers.advance(Duration.ofMillis(1));
        assertEquals(2, upstream.attempts.size());
        upstream.last().accept();
        assertEquals(ConnectionState.OPEN, state());
    }

    /** Neither status nor any event reason shows one of {@code secrets}. */
    private void assertNoSecretShown(String... secrets) {
        String shown = connection().status().toString() + h.events.read(0, 1000, id -> true);
        for (String secret : secrets) {
            assertFalse(shown.contains(secret), secret + " shown in " + shown);
        }
    }
}
