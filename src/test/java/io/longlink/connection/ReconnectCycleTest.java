package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;

import io.longlink.config.ConnectionSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.http.UpgradeRejectedException;

/**
 * The reconnect cycle alone on fake time, against a supervisor that only records what it is asked: the delay
 * sequence, when each attempt starts, how a failure is classified and counted, and that a superseded cycle stops.
 */
class ReconnectCycleTest {

    private final ManualTimers timers = new ManualTimers();
    private final Map<String, String> settings = new HashMap<>(Map.of(
            "url", "ws://upstream.test:9000/feed",
            "reconnect.initial-delay", "2s",
            "reconnect.max-delay", "8s",
            "reconnect.jitter", "0",
            "reconnect.max-attempts", "5"));
    private final Recorder supervisor = new Recorder();
    private final ReconnectCycle<FakeAttempt> cycle = new ReconnectCycle<>("feed", timers,
            timers.clock(Instant.parse("2026-12-01T10:00:00Z")), () -> 0.5, supervisor);

    /** Begins and runs a fresh cycle, as the supervisor does. */
    private void run() {
        cycle.apply(ConnectionSettings.read("feed", settings).reconnect(), null, null);
        supervisor.current = cycle.beginLocked();
        cycle.run(supervisor.current);
    }

    @Test
    void failedAttemptsBackOffDoublingUpToTheCapEachWaitedOutOnTheTimersThenTheCycleEnds() {
        run();
        assertEquals(1, supervisor.attempts.size(), "the first attempt is at once");
        long[] expected = {2000, 4000, 8000, 8000};
        for (int i = 0; i < expected.length; i++) {
            supervisor.last().fail(new ConnectException("Connection refused"));
            assertEquals(expected[i], supervisor.delays.get(i));
            assertEquals(i + 1, cycle.attemptLocked());
            timers.advance(Duration.ofMillis(expected[i] - 1));
            assertEquals(i + 1, supervisor.attempts.size(), "not before the delay is over");
            timers.advance(Duration.ofMillis(1));
            assertEquals(i + 2, supervisor.attempts.size());
        }
        supervisor.last().fail(new ConnectException("Connection refused"));
        assertInstanceOf(ConnectException.class, supervisor.ended, "max-attempts 5: the fifth failure ends it");
        assertEquals(5, cycle.attemptLocked());
        assertEquals(4, supervisor.delays.size());
    }

    @Test
    void aGoneNetworkEndsTheCycleUncountedWithoutBackoff() {
        run();
        supervisor.last().fail(new UnknownHostException("upstream.invalid"));
        assertInstanceOf(NetworkUnreachableException.class, supervisor.ended);
        assertEquals(0, cycle.attemptLocked());
        assertTrue(supervisor.delays.isEmpty());
        assertTrue(supervisor.failures.get(0).offline());
    }

    @Test
    void a401IsRetriedAtOnceAndASecondOneInARowFails() {
        run();
        supervisor.last().fail(rejected(401, null));
        assertEquals(List.of(0L), supervisor.delays, "a refresh drops the backoff");
        assertEquals(2, supervisor.attempts.size(), "the retry starts without the timers moving");
        supervisor.last().fail(rejected(401, null));
        assertInstanceOf(FatalRejectionException.class, supervisor.ended);
        assertEquals("unauthorized (HTTP 401)", supervisor.ended.getMessage());
    }

    @Test
    void retryAfterRaisesTheDelayBeyondTheCap() {
        run();
        supervisor.last().fail(rejected(503, "30"));
        assertEquals(List.of(30_000L), supervisor.delays);
        timers.advance(Duration.ofSeconds(29));
        assertEquals(1, supervisor.attempts.size());
        timers.advance(Duration.ofSeconds(1));
        assertEquals(2, supervisor.attempts.size());
    }

    @Test
    void aFatalCloseCodeDuringTheAttemptFailsAtOnce() {
        settings.put("reconnect.fatal-close-codes", "4001");
        run();
        FakeAttempt attempt = supervisor.last();
        attempt.ending = new Session.Ending("closed by upstream", 4001, "go away");
        attempt.fail(new IllegalStateException("closed during the on-open steps"));
        assertInstanceOf(FatalRejectionException.class, supervisor.ended);
        assertSame(attempt.ending, supervisor.failures.get(0).ending());
    }

    @Test
    void anOpenAttemptEndsTheCycleAndIsActivatedAfterwards() {
        run();
        supervisor.last().fail(new ConnectException("Connection refused"));
        timers.advance(Duration.ofSeconds(2));
        FakeAttempt attempt = supervisor.last();
        attempt.result.complete(null);
        assertSame(attempt, supervisor.active);
        assertEquals(0, cycle.attemptLocked(), "the supervisor reset the count when it opened");
        assertNull(supervisor.ended);
        assertFalse(attempt.aborted);
    }

    @Test
    void aCycleNoLongerCurrentStopsAtItsNextStepUncounted() {
        run();
        supervisor.last().fail(new ConnectException("Connection refused"));
        supervisor.current = cycle.beginLocked(); // superseded while waiting out its backoff
        timers.advance(Duration.ofSeconds(10));
        assertEquals(1, supervisor.attempts.size(), "no attempt of the old cycle");
        assertNull(supervisor.ended, "a cancelled cycle ends silently");
    }

    @Test
    void anAttemptThatOpensAfterItsCycleWasSupersededIsAborted() {
        run();
        FakeAttempt attempt = supervisor.last();
        supervisor.current = cycle.beginLocked();
        attempt.result.complete(null);
        assertTrue(attempt.aborted);
        assertNull(supervisor.active);
        assertNull(supervisor.ended);
    }

    private static UpgradeRejectedException rejected(int status, String retryAfter) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        if (retryAfter != null) {
            headers.add("Retry-After", retryAfter);
        }
        return new UpgradeRejectedException("WebSocket upgrade failure: " + status, status, headers, null);
    }

    /** An attempt the test completes by hand. */
    static final class FakeAttempt implements ReconnectCycle.Attempt {
        final CompletableFuture<Void> result = new CompletableFuture<>();
        Session.Ending ending;
        boolean aborted;

        @Override
        public CompletionStage<Void> start() {
            return result;
        }

        @Override
        public Session.Ending ending() {
            return ending;
        }

        @Override
        public void abort() {
            aborted = true;
        }

        void fail(Throwable failure) {
            result.completeExceptionally(failure);
        }
    }

    /** A supervisor whose phase is only "which cycle is current and what delay it holds", as ManagedConnection's. */
    final class Recorder implements ReconnectCycle.Supervisor<FakeAttempt> {
        long current;
        long pendingDelay;
        final List<FakeAttempt> attempts = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();
        final List<ReconnectCycle.Failure> failures = new ArrayList<>();
        FakeAttempt active;
        Throwable ended;

        FakeAttempt last() {
            return attempts.get(attempts.size() - 1);
        }

        @Override
        public long delayBefore(long number) {
            return number == current ? pendingDelay : -1;
        }

        @Override
        public FakeAttempt attemptStarting(long number) {
            if (number != current) {
                return null;
            }
            pendingDelay = 0;
            FakeAttempt attempt = new FakeAttempt();
            attempts.add(attempt);
            return attempt;
        }

        @Override
        public boolean attemptSucceeded(long number, FakeAttempt attempt) {
            if (number != current) {
                return false;
            }
            cycle.openedLocked();
            return true;
        }

        @Override
        public void attemptActive(FakeAttempt attempt) {
            active = attempt;
        }

        @Override
        public RejectionPolicy.Decision attemptFailed(long number, FakeAttempt attempt, ReconnectCycle.Failure f) {
            if (number != current) {
                return null;
            }
            failures.add(f);
            return cycle.failedLocked(f);
        }

        @Override
        public void backoffStarted(long number, long delayMillis) {
            if (number == current) {
                delays.add(delayMillis);
                pendingDelay = delayMillis;
            }
        }

        @Override
        public void slotAwaited(long number, long waitMillis, ConnectRates.Gate gate) {
            throw new AssertionError("no connect-rates here");
        }

        @Override
        public void cycleEnded(long number, Throwable failure) {
            if (number == current) {
                ended = failure;
            }
        }
    }
}
