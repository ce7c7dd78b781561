package io.longlink.inbox;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.longlink.store.StoreDatabase;

/**
 * Every connection's {@link InboundLog}, over one storage: memory ({@code longlink.store.kind=memory}) or the
 * database shared with the outbox (SQLite, or PostgreSQL in a cluster). A log is made on first use from what the storage loaded when it opened, so
 * asking for one never does I/O.
 */
public final class InboundStore {

    private final InboundStorage storage;
    private final Function<String, InboundSettings> settings;
    private final Clock clock;
    private final RetentionHold hold;
    private final Map<String, InboundLog> logs = new ConcurrentHashMap<>();

    private InboundStore(InboundStorage storage, Function<String, InboundSettings> settings, Clock clock,
            RetentionHold hold) {
        this.hold = hold;
        this.storage = storage;
        this.settings = settings;
        this.clock = clock;
    }

    /** Inbound kept in memory only: the newest {@code inbound.retain} per connection, lost with the process. */
    public static InboundStore inMemory(Function<String, InboundSettings> settings, Clock clock) {
        return inMemory(settings, clock, RetentionHold.NONE);
    }

    /** As {@link #inMemory(Function, Clock)}, and what {@code hold} keeps stays in memory beyond the retention. */
    public static InboundStore inMemory(Function<String, InboundSettings> settings, Clock clock, RetentionHold hold) {
        return new InboundStore(new InMemory(), settings, clock, hold);
    }

    /** Inbound kept in {@code database}; registers its tables, which load when the database starts. */
    public static InboundStore durable(StoreDatabase database, Function<String, InboundSettings> settings,
            Clock clock) {
        return durable(database, settings, clock, RetentionHold.NONE);
    }

    /** As {@link #durable(StoreDatabase, Function, Clock)}; pruning never deletes what {@code hold} keeps. */
    public static InboundStore durable(StoreDatabase database, Function<String, InboundSettings> settings,
            Clock clock, RetentionHold hold) {
        return new InboundStore(new SqlInboundStorage(database, settings, clock, hold), settings, clock, hold);
    }

    /** The log of one connection. */
    public InboundLog log(String connectionId) {
        return logs.computeIfAbsent(connectionId, id -> new InboundLog(id, settings.apply(id), storage, clock,
                () -> hold.keepAfter(id)));
    }

    /**
     * Cluster mode: this instance just claimed the connection and its storage loaded what the previous owner stored;
     * the log starts again from there (its seq goes on from the stored one).
     */
    public void claimed(String connectionId) {
        log(connectionId).reset(storage.tail(connectionId));
    }

    /** Cluster mode: another instance owns the connection now: its log is read there, not here. */
    public void released(String connectionId) {
        InboundLog log = logs.get(connectionId);
        if (log != null) {
            log.release();
        }
    }

    /** Memory only: the log's own cache is the store, sized to the whole retention. */
    private static final class InMemory implements InboundStorage {
        @Override
        public boolean memoryOnly() {
            return true;
        }

        @Override
        public int cacheSize(InboundSettings settings) {
            return settings.retain();
        }

        @Override
        public Tail tail(String connectionId) {
            return Tail.EMPTY;
        }

        @Override
        public void flush(InboundLog log) {
            throw new IllegalStateException("the memory store stores at append");
        }

        @Override
        public CompletionStage<List<InboundMessage>> read(String connectionId, long after, long upTo, int limit,
                Instant cutoff, long held) {
            return CompletableFuture.completedFuture(List.of());
        }
    }
}
