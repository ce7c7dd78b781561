package io.longlink.connection;

import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;
import java.util.function.UnaryOperator;

import io.vertx.core.Vertx;

/**
 * Everything time, chance and the outside world come from, shared by all connections: timers and the monotonic
 * clock, the wall clock, the jitter's random source, the executor a flush loop continues on, the environment
 * variables templates read, who hears measurements, where state changes are published, and whether this instance
 * owns a connection (a cluster). Tests pass fake ones
 * so the whole lifecycle runs on fake time; {@link #of} is the real thing.
 */
record ConnectionEnvironment(Timers timers, Clock clock, DoubleSupplier random, Executor executor,
        UnaryOperator<String> variables, ConnectionObserver observer, EventLog events, Ownership ownership) {

    static ConnectionEnvironment of(Vertx vertx, Clock clock, ConnectionObserver observer, EventLog events,
            Ownership ownership) {
        return new ConnectionEnvironment(Timers.of(vertx), clock,
                () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(),
                task -> vertx.runOnContext(v -> task.run()), System::getenv, observer, events, ownership);
    }
}
