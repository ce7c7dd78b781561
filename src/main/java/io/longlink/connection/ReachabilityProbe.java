package io.longlink.connection;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * While a connection is {@code OFFLINE}: every {@code interval}, run the upstream's cheap reachability check
 * ({@link Upstream#probe()}: resolve the host and open a TCP connection, no handshake, no attempt counted). When
 * it succeeds the network is back and the listener reconnects; any other outcome is reported as still
 * unreachable, and the next check starts one {@code interval} after this one started, so a slow timeout does not
 * stretch the period.
 *
 * <p>One probe serves one offline period: at most one check runs at a time, and once stopped (or once the
 * network returned) it stays stopped, so a late result of an earlier period can never reach a later one. All
 * mutable state is guarded by {@code this}; the listener is called outside the lock.
 */
final class ReachabilityProbe {

    interface Listener {
        /** The upstream's host answered this probe: reconnect now. Called at most once. */
        void networkReturned(ReachabilityProbe probe);

        /** A check of this probe failed again; {@code failure} says how. */
        void stillUnreachable(ReachabilityProbe probe, Throwable failure);
    }

    private final Timers timers;
    private final Duration interval;
    private final Supplier<CompletionStage<Void>> check;
    private final Listener listener;

    /** The timer of the next check, or -1 while one is in flight or stopped. */
    private long timer = -1;
    private boolean stopped;

    ReachabilityProbe(Timers timers, Duration interval, Supplier<CompletionStage<Void>> check, Listener listener) {
        this.timers = timers;
        this.interval = interval;
        this.check = check;
        this.listener = listener;
    }

    /** Starts probing, the first check one interval from now. */
    synchronized ReachabilityProbe start() {
        schedule(intervalMillis());
        return this;
    }

    synchronized void stop() {
        stopped = true;
        if (timer != -1) {
            timers.cancel(timer);
        }
        timer = -1;
    }

    private long intervalMillis() {
        return Math.max(1, interval.toMillis());
    }

    private void schedule(long delayMillis) {
        if (!stopped) {
            timer = timers.schedule(Duration.ofMillis(Math.max(1, delayMillis)), this::probe);
        }
    }

    private void probe() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            timer = -1;
        }
        long startedNanos = timers.nanoTime();
        check.get().whenComplete((ok, failure) -> {
            boolean reachable = failure == null;
            synchronized (this) {
                if (stopped) {
                    return;
                }
                if (reachable) {
                    stopped = true;
                } else {
                    long elapsedMillis = (timers.nanoTime() - startedNanos) / 1_000_000;
                    schedule(intervalMillis() - elapsedMillis);
                }
            }
            if (reachable) {
                listener.networkReturned(this);
            } else {
                listener.stillUnreachable(this, failure);
            }
        });
    }
}
