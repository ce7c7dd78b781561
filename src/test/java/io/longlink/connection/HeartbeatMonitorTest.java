package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

/** The heartbeat of one session on fake time: ping schedule, pong deadline, stop. */
class HeartbeatMonitorTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(4);

    private final ManualTimers timers = new ManualTimers();
    private final List<String> missed = new ArrayList<>();
    private final List<Long> answeredNanos = new ArrayList<>();
    private final AtomicInteger pings = new AtomicInteger();

    private final HeartbeatMonitor.Listener listener = new HeartbeatMonitor.Listener() {
        @Override
        public void heartbeatMissed(String detail) {
            missed.add(detail);
        }

        @Override
        public void heartbeatAnswered(long roundTripNanos) {
            answeredNanos.add(roundTripNanos);
        }
    };

    private HeartbeatMonitor monitor(Duration interval, Duration timeout, Supplier<CompletionStage<Void>> pinger) {
        return new HeartbeatMonitor(timers, interval, timeout, pinger, listener);
    }

    private HeartbeatMonitor monitor() {
        return monitor(INTERVAL, TIMEOUT, this::ping);
    }

    private CompletionStage<Void> ping() {
        pings.incrementAndGet();
        return CompletableFuture.completedFuture(null);
    }

    @Test
    void pingsEveryIntervalAndMeasuresTheRoundTrip() {
        HeartbeatMonitor monitor = monitor();
        monitor.start();
        timers.advance(INTERVAL.minusMillis(1));
        assertEquals(0, pings.get());
        timers.advance(Duration.ofMillis(1));
        assertEquals(1, pings.get());
        timers.advance(Duration.ofMillis(250));
        monitor.pongReceived();
        assertEquals(List.of(Duration.ofMillis(250).toNanos()), answeredNanos);
        timers.advance(INTERVAL);
        assertEquals(2, pings.get());
        monitor.pongReceived();
        // every ping answered: never dead, one ping per interval
        for (int i = 0; i < 6; i++) {
            timers.advance(INTERVAL);
            monitor.pongReceived();
        }
        assertEquals(8, pings.get());
        assertEquals(8, answeredNanos.size());
        assertTrue(missed.isEmpty(), missed.toString());
    }

    @Test
    void aPongWithoutAnOutstandingPingIsNotARoundTrip() {
        HeartbeatMonitor monitor = monitor();
        monitor.start();
        monitor.pongReceived();
        assertTrue(answeredNanos.isEmpty());
    }

    @Test
    void aPingWithoutPongWithinTheTimeoutIsADeadSocketReportedOnce() {
        monitor().start();
        timers.advance(INTERVAL);
        timers.advance(TIMEOUT.minusMillis(1));
        assertTrue(missed.isEmpty());
        timers.advance(Duration.ofMillis(1));
        assertEquals(1, missed.size());
        assertTrue(missed.get(0).startsWith("no pong within 4000 ms (1 pings sent, 0 pongs received"), missed.get(0));
        // the monitor stopped itself: no more pings, no second report
        timers.advance(Duration.ofMinutes(5));
        assertEquals(1, pings.get());
        assertEquals(1, missed.size());
    }

    @Test
    void theTimeoutIsIndependentOfTheInterval() {
        monitor(Duration.ofSeconds(1), Duration.ofSeconds(30), this::ping).start();
        timers.advance(Duration.ofSeconds(20));
        // one ping outstanding: no second ping while waiting, and not dead before 30 s
        assertEquals(1, pings.get());
        assertTrue(missed.isEmpty());
        timers.advance(Duration.ofSeconds(11));
        assertEquals(1, missed.size());
    }

    @Test
    void aFailedPingWriteIsADeadSocket() {
        monitor(INTERVAL, TIMEOUT, () -> CompletableFuture.failedFuture(new IllegalStateException("connection was closed")))
                .start();
        timers.advance(INTERVAL);
        assertEquals(1, missed.size());
        assertTrue(missed.get(0).contains("ping could not be written"), missed.get(0));
    }

    @Test
    void aStoppedMonitorDoesNothingAndCannotBeRestarted() {
        HeartbeatMonitor monitor = monitor();
        monitor.start();
        timers.advance(INTERVAL);
        monitor.stop();
        monitor.pongReceived();
        monitor.start();
        timers.advance(Duration.ofMinutes(10));
        assertEquals(1, pings.get());
        assertTrue(answeredNanos.isEmpty());
        assertTrue(missed.isEmpty(), "the outstanding ping's deadline was cancelled: " + missed);
    }
}
