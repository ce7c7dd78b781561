package io.longlink.connection;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The heartbeat of one {@link Session}: a ping every {@code interval}, and the socket declared dead when a ping
 * is not answered within {@code timeout}. At most one ping is outstanding. The two settings are independent: a
 * short interval with a long timeout is allowed. What a ping is (a protocol ping frame, or an application-level
 * text) is the session's business: it hands in the {@code pinger} and reports answers with {@link #pongReceived}.
 *
 * <p>One monitor serves one socket, so nothing of an earlier socket can reach it; once stopped (or once it
 * reported a miss) it stays stopped. All mutable state is guarded by {@code this}; the listener is called
 * outside the lock. Time comes from {@link Timers}, so tests run it on fake time.
 */
final class HeartbeatMonitor {

    interface Listener {
        /** The socket did not answer in time; {@code detail} says what was missed. Called at most once. */
        void heartbeatMissed(String detail);

        /** A ping was answered after {@code roundTripNanos}. */
        void heartbeatAnswered(long roundTripNanos);
    }

    private final Timers timers;
    private final Duration interval;
    private final Duration timeout;
    private final Supplier<CompletionStage<Void>> pinger;
    private final Listener listener;

    private long periodicTimer = -1;
    private long deadlineTimer = -1;
    /** {@link Timers#nanoTime()} of the outstanding ping, when {@code awaitingPong}. */
    private long pingSentNanos;
    private boolean awaitingPong;
    private boolean stopped;
    private int pingsSent;
    private int pongsReceived;

    HeartbeatMonitor(Timers timers, Duration interval, Duration timeout, Supplier<CompletionStage<Void>> pinger,
            Listener listener) {
        this.timers = timers;
        this.interval = interval;
        this.timeout = timeout;
        this.pinger = pinger;
        this.listener = listener;
    }

    /** Starts pinging, the first ping one interval from now. */
    synchronized void start() {
        if (!stopped && periodicTimer == -1) {
            periodicTimer = timers.periodic(interval, this::ping);
        }
    }

    /** Stops for good; later pongs and timers are ignored. */
    synchronized void stop() {
        stopLocked();
    }

    /** An answer to the outstanding ping arrived (a pong frame, or a message matching the expected pong). */
    void pongReceived() {
        long roundTripNanos;
        synchronized (this) {
            if (stopped || !awaitingPong) {
                return;
            }
            awaitingPong = false;
            pongsReceived++;
            timers.cancel(deadlineTimer);
            deadlineTimer = -1;
            roundTripNanos = timers.nanoTime() - pingSentNanos;
        }
        listener.heartbeatAnswered(roundTripNanos);
    }

    private void ping() {
        synchronized (this) {
            if (stopped || awaitingPong) {
                return;
            }
            awaitingPong = true;
            pingsSent++;
            pingSentNanos = timers.nanoTime();
            deadlineTimer = timers.schedule(timeout, this::deadlinePassed);
        }
        pinger.get().whenComplete((ok, failure) -> {
            if (failure != null) {
                missed("ping could not be written: " + FailureClassifier.describe(failure));
            }
        });
    }

    private void deadlinePassed() {
        String detail;
        synchronized (this) {
            if (stopped || !awaitingPong) {
                return;
            }
            detail = String.format("no pong within %d ms (%d pings sent, %d pongs received on this socket)",
                    timeout.toMillis(), pingsSent, pongsReceived);
        }
        missed(detail);
    }

    private void missed(String detail) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopLocked();
        }
        listener.heartbeatMissed(detail);
    }

    private void stopLocked() {
        stopped = true;
        if (periodicTimer != -1) {
            timers.cancel(periodicTimer);
        }
        if (deadlineTimer != -1) {
            timers.cancel(deadlineTimer);
        }
        periodicTimer = -1;
        deadlineTimer = -1;
        awaitingPong = false;
    }
}
