package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;

/** The heartbeat on fake time: ping schedule, pong deadline, stale sockets. */
class HeartbeatMonitorTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(4);

    private final ManualTimers timers = new ManualTimers();
    private final List<String> missed = new ArrayList<>();
    private final List<Long> answeredNanos = new ArrayList<>();
    private final AtomicInteger pings = new AtomicInteger();
    private final HeartbeatMonitor monitor = new HeartbeatMonitor(timers,
            Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC), INTERVAL, TIMEOUT,
            new HeartbeatMonitor.Listener() {
                @Override
                public void heartbeatMissed(long token, String detail) {
                    missed.add(token + ": " + detail);
                }

                @Override
                public void heartbeatAnswered(long roundTripNanos) {
                    answeredNanos.add(roundTripNanos);
                }
            });

    private Uni<Void> ping() {
        pings.incrementAndGet();
        return Uni.createFrom().voidItem();
    }

    @Test
    void pingsEveryIntervalAndMeasuresTheRoundTrip() {
        monitor.start(7, this::ping);
        timers.advance(INTERVAL.minusMillis(1));
        assertEquals(0, pings.get());
        timers.advance(Duration.ofMillis(1));
        assertEquals(1, pings.get());
        timers.advance(Duration.ofMillis(250));
        monitor.pongReceived(7);
        assertEquals(List.of(Duration.ofMillis(250).toNanos()), answeredNanos);
        assertEquals(250L, monitor.rttMillis());
        assertEquals(Instant.parse("2026-11-26T12:00:00Z"), monitor.lastPongAt());
        timers.advance(INTERVAL);
        assertEquals(2, pings.get());
        monitor.pongReceived(7);
        // every ping answered: never dead, one ping per interval
        for (int i = 0; i < 6; i++) {
            timers.advance(INTERVAL);
            monitor.pongReceived(7);
        }
        assertEquals(8, pings.get());
        assertTrue(missed.isEmpty(), missed.toString());
    }

    @Test
    void aPingWithoutPongWithinTheTimeoutIsADeadSocketReportedOnce() {
        monitor.start(3, this::ping);
        timers.advance(INTERVAL);
        timers.advance(TIMEOUT.minusMillis(1));
        assertTrue(missed.isEmpty());
        timers.advance(Duration.ofMillis(1));
        assertEquals(1, missed.size());
        assertTrue(missed.get(0).startsWith("3: no pong within 4000 ms (1 pings sent, 0 pongs received"), missed.get(0));
        // the monitor stopped itself: no more pings, no second report
        timers.advance(Duration.ofMinutes(5));
        assertEquals(1, pings.get());
        assertEquals(1, missed.size());
    }

    @Test
    void theTimeoutIsIndependentOfTheInterval() {
        HeartbeatMonitor slowPeerAllowed = new HeartbeatMonitor(timers, Clock.systemUTC(), Duration.ofSeconds(1),
                Duration.ofSeconds(30), new HeartbeatMonitor.Listener() {
                    @Override
                    public void heartbeatMissed(long token, String detail) {
                        missed.add(detail);
                    }

                    @Override
                    public void heartbeatAnswered(long roundTripNanos) {
                    }
                });
        slowPeerAllowed.start(1, this::ping);
        timers.advance(Duration.ofSeconds(20));
        // one ping outstanding: no second ping while waiting, and not dead before 30 s
        assertEquals(1, pings.get());
        assertTrue(missed.isEmpty());
        timers.advance(Duration.ofSeconds(11));
        assertEquals(1, missed.size());
    }

    @Test
    void aFailedPingWriteIsADeadSocket() {
        monitor.start(5, () -> Uni.createFrom().failure(new IllegalStateException("connection was closed")));
        timers.advance(INTERVAL);
        assertEquals(1, missed.size());
        assertTrue(missed.get(0).contains("ping could not be written"), missed.get(0));
    }

    @Test
    void pongsAndTimersOfAnEarlierSocketAreIgnored() {
        monitor.start(1, this::ping);
        timers.advance(INTERVAL);
        monitor.start(2, this::ping);
        monitor.pongReceived(1);
        assertNull(monitor.rttMillis());
        timers.advance(TIMEOUT);
        assertTrue(missed.isEmpty(), "the first socket's deadline was cancelled: " + missed);
        timers.advance(INTERVAL);
        timers.advance(TIMEOUT);
        assertEquals(1, missed.size());
        assertTrue(missed.get(0).startsWith("2: "), missed.get(0));
    }

    @Test
    void aStoppedMonitorDoesNothing() {
        monitor.start(9, this::ping);
        monitor.stop();
        timers.advance(Duration.ofMinutes(10));
        assertEquals(0, pings.get());
        assertTrue(missed.isEmpty());
    }
}
