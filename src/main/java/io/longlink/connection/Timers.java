package io.longlink.connection;

import java.time.Duration;

import io.vertx.core.Vertx;

/**
 * The timers and the monotonic clock of a connection (heartbeat, reachability probe, connect and close
 * deadlines), injected so that tests can drive them on fake time instead of waiting. {@link #of(Vertx)} is the real thing: Vert.x timers and {@link System#nanoTime()}.
 */
interface Timers {

    /** Runs {@code action} once after {@code delay}; returns an id for {@link #cancel}. */
    long schedule(Duration delay, Runnable action);

    /** Runs {@code action} every {@code period}, the first time after one period; returns an id for {@link #cancel}. */
    long periodic(Duration period, Runnable action);

    /** Cancels a timer; unknown or finished ids are ignored. */
    void cancel(long timerId);

    /** A monotonic time in nanoseconds, for measuring intervals. */
    long nanoTime();

    static Timers of(Vertx vertx) {
        return new Timers() {
            @Override
            public long schedule(Duration delay, Runnable action) {
                return vertx.setTimer(Math.max(1, delay.toMillis()), id -> action.run());
            }

            @Override
            public long periodic(Duration period, Runnable action) {
                return vertx.setPeriodic(Math.max(1, period.toMillis()), id -> action.run());
            }

            @Override
            public void cancel(long timerId) {
                vertx.cancelTimer(timerId);
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        };
    }
}
