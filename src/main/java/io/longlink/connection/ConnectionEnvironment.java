package io.longlink.connection;

import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;

import io.vertx.core.Vertx;

/**
 * Everything time and chance come from, shared by all connections: timers and the monotonic clock, the wall
 * clock, the jitter's random source, the executor a flush loop continues on, and who hears measurements. Tests
 * pass fake ones so the whole lifecycle runs on fake time; {@link #of} is the real thing.
 */
record ConnectionEnvironment(Timers timers, Clock clock, DoubleSupplier random, Executor executor,
        ConnectionObserver observer) {

    static ConnectionEnvironment of(Vertx vertx, Clock clock, ConnectionObserver observer) {
        return new ConnectionEnvironment(Timers.of(vertx), clock,
                () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(),
                task -> vertx.runOnContext(v -> task.run()), observer);
    }
}
