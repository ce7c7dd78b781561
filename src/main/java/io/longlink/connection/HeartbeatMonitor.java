package io.longlink.connection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * Pings one open socket every {@code interval} and declares it dead when a ping is not answered by a pong
 * within {@code timeout}. At most one ping is outstanding. The two settings are independent: a short
 * interval with a long timeout is allowed.
 *
 * <p>All mutable state is guarded by {@code this}; the listener is called outside the lock. A stopped or
 * restarted monitor ignores pongs and timers that belong to an earlier socket (its {@code token}). Time comes
 * from {@link Timers}, so tests run it on fake time.
 */
final class HeartbeatMonitor {

    interface Listener {
        /** The socket with this token did not answer in time; {@code detail} says what was missed. */
        void heartbeatMissed(long token, String detail);

        /** A ping was answered after {@code roundTripNanos}. */
        void heartbeatAnswered(long roundTripNanos);
    }

    private final Timers timers;
    private final Clock clock;
    private final Duration interval;
    private final Duration timeout;
    private final Listener listener;

    /** Token of the socket being watched, or -1 when stopped. */
    private long token = -1;
    /** Sends one ping on the watched socket. */
    private Supplier<Uni<Void>> pinger;
    private long periodicTimer = -1;
    private long deadlineTimer = -1;
    /** {@link Timers#nanoTime()} of the outstanding ping, when {@code awaitingPong}. */
    private long pingSentNanos;
    private boolean awaitingPong;
    private int pingsSent;
    private int pongsReceived;
    /** When the last pong arrived (any socket), or null. */
    private Instant lastPongAt;
    /** Round trip of the last answered ping, or null. */
    private Long rttMillis;

    HeartbeatMonitor(Timers timers, Clock clock, Duration interval, Duration timeout, Listener listener) {
        this.timers = timers;
        this.clock = clock;
        this.interval = interval;
        this.timeout = timeout;
        this.listener = listener;
    }

    /** Watches the socket with this token; {@code pinger} sends one ping on it. */
    synchronized void start(long socketToken, Supplier<Uni<Void>> pinger) {
        stopLocked();
        this.token = socketToken;
        this.pinger = pinger;
        this.pingsSent = 0;
        this.pongsReceived = 0;
        this.periodicTimer = timers.periodic(interval, () -> ping(socketToken));
    }

    synchronized void stop() {
        stopLocked();
    }

    synchronized Instant lastPongAt() {
        return lastPongAt;
    }

    synchronized Long rttMillis() {
        return rttMillis;
    }

    void pongReceived(long socketToken) {
        long roundTripNanos;
        synchronized (this) {
            if (socketToken != token || !awaitingPong) {
                return;
            }
            awaitingPong = false;
            pongsReceived++;
            timers.cancel(deadlineTimer);
            deadlineTimer = -1;
            roundTripNanos = timers.nanoTime() - pingSentNanos;
            rttMillis = TimeUnit.NANOSECONDS.toMillis(roundTripNanos);
            lastPongAt = clock.instant();
        }
        listener.heartbeatAnswered(roundTripNanos);
    }

    private void ping(long socketToken) {
        Supplier<Uni<Void>> send;
        synchronized (this) {
            if (socketToken != token || awaitingPong) {
                return;
            }
            awaitingPong = true;
            pingsSent++;
            pingSentNanos = timers.nanoTime();
            deadlineTimer = timers.schedule(timeout, () -> deadlinePassed(socketToken));
            send = pinger;
        }
        send.get().subscribe().with(ok -> {
        }, failure -> missed(socketToken, "ping could not be written: " + FailureClassifier.describe(failure)));
    }

    private void deadlinePassed(long socketToken) {
        String detail;
        synchronized (this) {
            if (socketToken != token || !awaitingPong) {
                return;
            }
            detail = String.format("no pong within %d ms (%d pings sent, %d pongs received on this socket)",
                    timeout.toMillis(), pingsSent, pongsReceived);
        }
        missed(socketToken, detail);
    }

    private void missed(long socketToken, String detail) {
        synchronized (this) {
            if (socketToken != token) {
                return;
            }
            stopLocked();
        }
        listener.heartbeatMissed(socketToken, detail);
    }

    private void stopLocked() {
        if (periodicTimer != -1) {
            timers.cancel(periodicTimer);
        }
        if (deadlineTimer != -1) {
            timers.cancel(deadlineTimer);
        }
        periodicTimer = -1;
        deadlineTimer = -1;
        awaitingPong = false;
        token = -1;
        pinger = null;
    }
}
