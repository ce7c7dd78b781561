package io.longlink.inbox;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.longlink.store.SqliteDatabase;

/**
 * Every connection's {@link InboundLog}, over one storage: memory ({@code longlink.store.kind=memory}) or the
 * SQLite file shared with the outbox. A log is made on first use from what the storage loaded when it opened, so
 * asking for one never does I/O.
 */
public final class InboundStore {

    private final InboundStorage storage;
    private final Function<String, InboundSettings> settings;
    private final Clock clock;
    private final Map<String, InboundLog> logs = new ConcurrentHashMap<>();

    private InboundStore(InboundStorage storage, Function<String, InboundSettings> settings, Clock clock) {
        this.storage = storage;
        this.settings = settings;
        this.clock = clock;
    }

    /** Inbound kept in memory only: the newest {@code inbound.retain} per connection, lost with the process. */
    public static InboundStore inMemory(Function<String, InboundSettings> settings, Clock clock) {
        return new InboundStore(new InMemory(), settings, clock);
    }

    /** Inbound kept in {@code database}; registers its tables, which load when the database starts. */
    public static InboundStore sqlite(SqliteDatabase database, Function<String, InboundSettings> settings,
            Clock clock) {
        return new InboundStore(new SqliteInboundStorage(database, settings, clock), settings, clock);
    }

    /** The log of one connection. */
    public InboundLog log(String connectionId) {
        return logs.computeIfAbsent(connectionId, id -> new InboundLog(id, settings.apply(id), storage, clock));
    }

    /** Memory only: the log's own cache is the store, sized to the whole retention. */
    private static final class InMemory implements InboundStorage {
        @Override
        public int cacheSize(InboundSettings settings) {
            return settings.retain();
        }

        @Override
        public Tail tail(String connectionId) {
            return Tail.EMPTY;
        }

        @Override
        public boolean append(InboundLog log, InboundMessage message) {
            return true;
        }

        @Override
        public CompletionStage<List<InboundMessage>> read(String connectionId, long after, long upTo, int limit) {
            return CompletableFuture.completedFuture(List.of());
        }
    }
}
