package io.longlink.connection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.quarkus.websockets.next.Connection;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

/**
 * Pings one open socket every {@code interval} and declares it dead when a ping is not answered by a pong
 * within {@code timeout}. At most one ping is outstanding. The two settings are independent: a short
 * interval with a long timeout is allowed.
 *
 * <p>All mutable state is guarded by {@code this}; the listener is called outside the lock. A stopped or
 * restarted monitor ignores pongs and timers that belong to an earlier socket (its {@code token}).
 */
final class HeartbeatMonitor {

    interface Listener {
        /** The socket with this token did not answer in time; {@code detail} says what was missed. */
        void heartbeatMissed(long token, String detail);

        /** A ping was answered after {@code roundTripNanos}. */
        void heartbeatAnswered(long roundTripNanos);
    }

    private final Vertx vertx;
    private final Clock clock;
    private final Duration interval;
    private final Duration timeout;
    private final Listener listener;

    /** Token of the socket being watched, or -1 when stopped. */
    private long token = -1;
    private Connection socket;
    private long periodicTimer = -1;
    private long deadlineTimer = -1;
    /** {@link System#nanoTime()} of the outstanding ping, when {@code awaitingPong}. */
    private long pingSentNanos;
    private boolean awaitingPong;
    private int pingsSent;
    private int pongsReceived;
    /** When the last pong arrived (any socket), or null. */
    private Instant lastPongAt;
    /** Round trip of the last answered ping, or null. */
    private Long rttMillis;

    HeartbeatMonitor(Vertx vertx, Clock clock, Duration interval, Duration timeout, Listener listener) {
        this.vertx = vertx;
        this.clock = clock;
        this.interval = interval;
        this.timeout = timeout;
        this.listener = listener;
    }

    synchronized void start(long socketToken, Connection socket) {
        stopLocked();
        this.token = socketToken;
        this.socket = socket;
        this.pingsSent = 0;
        this.pongsReceived = 0;
        this.periodicTimer = vertx.setPeriodic(Math.max(1, interval.toMillis()), id -> ping(socketToken));
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
            vertx.cancelTimer(deadlineTimer);
            deadlineTimer = -1;
            roundTripNanos = System.nanoTime() - pingSentNanos;
            rttMillis = TimeUnit.NANOSECONDS.toMillis(roundTripNanos);
            lastPongAt = clock.instant();
        }
        listener.heartbeatAnswered(roundTripNanos);
    }

    private void ping(long socketToken) {
        Connection target;
        synchronized (this) {
            if (socketToken != token || awaitingPong) {
                return;
            }
            awaitingPong = true;
            pingsSent++;
            pingSentNanos = System.nanoTime();
            deadlineTimer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> deadlinePassed(socketToken));
            target = socket;
        }
        target.sendPing(Buffer.buffer("longlink")).subscribe().with(ok -> {
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
            vertx.cancelTimer(periodicTimer);
        }
        if (deadlineTimer != -1) {
            vertx.cancelTimer(deadlineTimer);
        }
        periodicTimer = -1;
        deadlineTimer = -1;
        awaitingPong = false;
        token = -1;
        socket = null;
    }
}
