package io.longlink.connection;

import java.net.ConnectException;
import java.time.Duration;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * While a connection is {@code OFFLINE}: every {@code interval}, resolve the upstream host and open a TCP
 * connection to its port (then close it at once). The network counts as back when the connect succeeds or
 * is refused (a refusal comes from the host, so the route exists); the listener then reconnects.
 *
 * <p>All mutable state is guarded by {@code this}; the listener is called outside the lock.
 */
final class ReachabilityProbe {

    interface Listener {
        void networkReturned(long probeToken);

        void stillUnreachable(long probeToken, Throwable failure);
    }

    private final Vertx vertx;
    private final String host;
    private final int port;
    private final Duration interval;
    private final Listener listener;
    private final NetClient client;

    /** Token of the running probe, or -1 when stopped. */
    private long token = -1;
    private long timer = -1;
    private long nextToken;

    ReachabilityProbe(Vertx vertx, String host, int port, Duration interval, Duration connectTimeout,
            Listener listener) {
        this.vertx = vertx;
        this.host = host;
        this.port = port;
        this.interval = interval;
        this.listener = listener;
        int timeoutMillis = (int) Math.max(1, Math.min(interval.toMillis(), connectTimeout.toMillis()));
        this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(timeoutMillis));
    }

    /** Starts probing; returns the token that the listener's calls carry. */
    synchronized long start() {
        stopLocked();
        token = ++nextToken;
        schedule(token);
        return token;
    }

    synchronized void stop() {
        stopLocked();
    }

    private void schedule(long probeToken) {
        timer = vertx.setTimer(Math.max(1, interval.toMillis()), id -> probe(probeToken));
    }

    private void probe(long probeToken) {
        synchronized (this) {
            if (probeToken != token) {
                return;
            }
            timer = -1;
        }
        client.connect(port, host).onComplete(result -> {
            if (result.succeeded()) {
                result.result().close();
            }
            boolean reachable = result.succeeded() || isRefusal(result.cause());
            synchronized (this) {
                if (probeToken != token) {
                    return;
                }
                if (reachable) {
                    stopLocked();
                } else {
                    schedule(probeToken);
                }
            }
            if (reachable) {
                listener.networkReturned(probeToken);
            } else {
                listener.stillUnreachable(probeToken, result.cause());
            }
        });
    }

    private static boolean isRefusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException && !(t instanceof ConnectTimeoutException)
                    && !FailureClassifier.isNetworkUnreachable(failure)) {
                return true;
            }
        }
        return false;
    }

    private void stopLocked() {
        if (timer != -1) {
            vertx.cancelTimer(timer);
        }
        timer = -1;
        token = -1;
    }
}
