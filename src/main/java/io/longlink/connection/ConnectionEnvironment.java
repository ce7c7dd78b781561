package io.longlink.connection;

import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.UnaryOperator;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.vertx.core.Vertx;

/**
 * Everything time, chance and the outside world come from, shared by all connections: timers and the monotonic
 * clock, the wall clock, the jitter's random source, the executor a flush loop continues on, the environment
 * variables templates read, who hears measurements, where state changes are published, whether this instance
 * owns a connection (a cluster), the instance's handshake budgets per host ({@link ConnectRates}), and whether
 * metrics are kept per connection. Tests pass
 * fake ones
 * so the whole lifecycle runs on fake time; {@link #of} is the real thing.
 *
 * <p>{@code sender} is where a flush loop writes a batch of several frames from. The real one is one thread shared
 * by all connections, never an event loop: Vert.x queues a write made off the socket's event loop and flushes the
 * queued writes once, when the last of them runs, whereas a write made on that event loop is flushed at once. So a
 * batch costs one {@code write(2)} instead of one per frame. The thread ends after {@link #SENDER_IDLE_SECONDS}
 * seconds without work and comes back with the next batch.
 */
record ConnectionEnvironment(Timers timers, Clock clock, DoubleSupplier random, Executor executor, Executor sender,
        UnaryOperator<String> variables, ConnectionObserver observer, EventLog events, Ownership ownership,
        ConnectRates connectRates, boolean metricsPerConnection) {

    /** How long the sender thread waits for work before it ends. */
    static final long SENDER_IDLE_SECONDS = 30;

    /** An environment whose batches are written from {@code executor} too, without handshake budgets. */
    ConnectionEnvironment(Timers timers, Clock clock, DoubleSupplier random, Executor executor,
            UnaryOperator<String> variables, ConnectionObserver observer, EventLog events, Ownership ownership) {
        this(timers, clock, random, executor, executor, variables, observer, events, ownership, ConnectRates.none(),
                true);
    }

    /** The same environment with these handshake budgets. */
    ConnectionEnvironment withConnectRates(ConnectRates rates) {
        return new ConnectionEnvironment(timers, clock, random, executor, sender, variables, observer, events,
                ownership, rates, metricsPerConnection);
    }

    /**
     * {@code connectRates}: {@code longlink.upstreams.connect-rates}; {@code metricsPerConnection}:
     * {@code longlink.metrics.per-connection}, for the metrics libraries make.
     */
    static ConnectionEnvironment of(Vertx vertx, Clock clock, ConnectionObserver observer, EventLog events,
            Ownership ownership, java.util.List<io.longlink.config.LonglinkConfig.ConnectRate> connectRates,
            boolean metricsPerConnection) {
        Timers timers = Timers.of(vertx);
        return new ConnectionEnvironment(timers, clock,
                () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(),
                task -> vertx.runOnContext(v -> task.run()), senderThread(), System::getenv, observer, events,
                ownership, ConnectRates.of(connectRates, timers), metricsPerConnection);
    }

    private static Executor senderThread() {
        // a Netty thread: the buffers and promises a write allocates come from its thread-local caches
        ThreadPoolExecutor sender = new ThreadPoolExecutor(1, 1, SENDER_IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new DefaultThreadFactory("longlink-sender", true));
        sender.allowCoreThreadTimeOut(true);
        return sender;
    }
}
