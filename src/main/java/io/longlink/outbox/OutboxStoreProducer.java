package io.longlink.outbox;

import java.time.Clock;
import java.util.function.ToIntFunction;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.longlink.config.LonglinkConfig;
import io.quarkus.runtime.Startup;

/**
 * Chooses the outbox store from {@code longlink.store.kind} at run time. The store is created eagerly at start,
 * on the main thread, so that loading a durable store never runs on the event loop and every connection finds its
 * queue when it opens.
 */
public class OutboxStoreProducer {

    @Produces
    @Singleton
    @Startup
    OutboxStore outboxStore(LonglinkConfig config, Clock clock) {
        ToIntFunction<String> retainSent = id -> {
            LonglinkConfig.ConnectionConfig c = config.connections().get(id);
            return c == null ? 0 : c.outbox().retainSent();
        };
        return switch (config.store().kind()) {
            case SQLITE -> new SqliteOutboxStore(config.store(), retainSent, clock);
            case MEMORY -> new InMemoryOutboxStore(clock, retainSent, config.store().idempotencyKeys());
        };
    }

    void close(@Disposes OutboxStore store) throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
