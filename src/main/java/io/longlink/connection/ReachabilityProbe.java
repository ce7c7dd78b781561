package io.longlink.connection;

import java.time.Duration;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * While a connection is {@code OFFLINE}: every {@code interval}, resolve the upstream host and open a TCP
 * connection to its port with a short timeout (the smaller of the interval and the connect timeout), then close
 * it at once. No WebSocket handshake, no attempt counted. The network counts as back when the connect succeeds
 * or is {@linkplain FailureClassifier#isRefusal refused} (a refusal comes from the host, so the route
 * exists); the listener then reconnects. Any other failure is reported as still unreachable and the next probe
 * starts one {@code interval} after this one started, so a slow timeout does not stretch the period.
 *
 * <p>At most one probe runs at a time. {@link #start()} hands out a token that every listener call carries;
 * {@link #stop()} and a new {@code start()} make the results of earlier probes stale, and stale results are
 * dropped here. All mutable state is guarded by {@code this}; the listener is called outside the lock.
 */
final class ReachabilityProbe {

    interface Listener {
        /** The upstream's host answered the probe with this token: reconnect now. */
        void networkReturned(long probeToken);

        /** The probe with this token failed again; {@code failure} says how. */
        void stillUnreachable(long probeToken, Throwable failure);
    }

    private final Timers timers;
    private final String host;
    private final int port;
    private final Duration interval;
    private final Listener listener;
    private final NetClient client;

    /** Token of the running probe, or -1 when stopped. */
    private long token = -1;
    /** The timer of the next probe, or -1 while one is in flight or stopped. */
    private long timer = -1;
    /** The last token handed out. */
    private long nextToken;

    ReachabilityProbe(Vertx vertx, Timers timers, String host, int port, Duration interval, Duration connectTimeout,
            Listener listener) {
        this.timers = timers;
        this.host = host;
        this.port = port;
        this.interval = interval;
        this.listener = listener;
        int timeoutMillis = (int) Math.max(1, Math.min(interval.toMillis(), connectTimeout.toMillis()));
        this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(timeoutMillis));
    }

    /** Starts probing, the first probe one interval from now; returns the token the listener's calls carry. */
    synchronized long start() {
        stopLocked();
        token = ++nextToken;
        schedule(token, intervalMillis());
        return token;
    }

    synchronized void stop() {
        stopLocked();
    }

    private long intervalMillis() {
        return Math.max(1, interval.toMillis());
    }

    private void schedule(long probeToken, long delayMillis) {
        timer = timers.schedule(Duration.ofMillis(Math.max(1, delayMillis)), () -> probe(probeToken));
    }

    private void probe(long probeToken) {
        synchronized (this) {
            if (probeToken != token) {
                return;
            }
            timer = -1;
        }
        long startedNanos = timers.nanoTime();
        client.connect(port, host).onComplete(result -> {
            if (result.succeeded()) {
                result.result().close();
            }
            boolean reachable = result.succeeded() || FailureClassifier.isRefusal(result.cause());
            synchronized (this) {
                if (probeToken != token) {
                    return;
                }
                if (reachable) {
                    stopLocked();
                } else {
                    long elapsedMillis = (timers.nanoTime() - startedNanos) / 1_000_000;
                    schedule(probeToken, intervalMillis() - elapsedMillis);
                }
            }
            if (reachable) {
                listener.networkReturned(probeToken);
            } else {
                listener.stillUnreachable(probeToken, result.cause());
            }
        });
    }

    private void stopLocked() {
        if (timer != -1) {
            timers.cancel(timer);
        }
        timer = -1;
        token = -1;
    }
}
