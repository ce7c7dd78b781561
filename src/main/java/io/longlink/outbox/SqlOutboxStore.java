package io.longlink.outbox;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.longlink.config.LonglinkConfig;
import io.longlink.store.StoreDatabase;
import io.vertx.core.Vertx;

/**
 * Outbox kept in the store's database (the SQLite file, or PostgreSQL in a cluster), so that accepted messages and their states survive restarts and kill -9, with
 * memory use that does not grow with the bytes queued.
 *
 * <p>Every connection has an in-memory {@link OutboxQueue} mirroring its committed rows without their payloads,
 * so {@link #markSent}, {@link #find} and {@link #queued} never touch the disk. {@link #head} reads the payloads
 * of the head from disk on the database's reader thread, at most {@code longlink.store.read-window} bytes at a
 * time. Writes are jobs for the database's one writer ({@link OutboxWrites}); the tables, their loading and
 * upkeep are {@link OutboxTables}.
 *
 * <p>Invariants:
 * <ul>
 * <li>A message is visible to {@link #head} only once the commit that holds it returned, so nothing a socket
 * ever saw can be lost by a crash.</li>
 * <li>Sent marks and expiries change the mirror first and reach the file with the writer's next transaction:
 * a crash in between sends those messages again (at-least-once), it never loses one. A failed transaction
 * keeps them and writes them again first.</li>
 * </ul>
 */
public final class SqlOutboxStore implements OutboxStore {

    private static final String READ_PAYLOADS = """
            SELECT id, payload FROM outbox_message WHERE connection = ? AND id BETWEEN ? AND ?""";

    private final StoreDatabase database;
    private final Function<String, OutboxSettings> settings;
    private final Clock clock;
    private final long readWindow;
    private final Map<String, OutboxQueue> queues = new ConcurrentHashMap<>();
    /** Payloads of waiting messages held in memory, all connections together: at most one read window. */
    private final OutboxQueue.Budget held;
    private final OutboxWrites writes;

    /**
     * Registers the outbox's tables with {@code database}; the queues are loaded when the database starts.
     *
     * @param settings each connection's limits, by connection id
     */
    public SqlOutboxStore(StoreDatabase database, LonglinkConfig.Store config,
            Function<String, OutboxSettings> settings, Clock clock) {
        this.database = database;
        this.settings = settings;
        this.clock = clock;
        this.readWindow = config.readWindow().asLongValue();
        this.held = new OutboxQueue.Budget(readWindow);
        OutboxTables tables = new OutboxTables(config, database.dialect(), clock, this::newQueue,
                new OutboxTables.Loaded() {
                    @Override
                    public void accept(Map<String, OutboxQueue> loaded, boolean all) {
                        if (all) {
                            queues.values().forEach(OutboxQueue::forget);
                            queues.clear();
                        }
                        loaded.keySet().forEach(SqlOutboxStore.this::forget);
                        queues.putAll(loaded);
                    }

                    @Override
                    public void released(String connectionId) {
                        forget(connectionId);
                    }
                });
        this.writes = new OutboxWrites(tables, this::queue, settings, clock);
        database.register(tables);
    }

    @Override
    public CompletionStage<Enqueued> enqueue(EnqueueRequest request) {
        CompletableFuture<Enqueued> result = new CompletableFuture<>();
        database.submit(writes.enqueue(request, clock.instant(), result, Vertx.currentContext()));
        return result;
    }

    @Override
    public CompletionStage<List<Enqueued>> enqueueAll(String connectionId, List<EnqueueRequest> requests) {
        CompletableFuture<List<Enqueued>> result = new CompletableFuture<>();
        database.submit(writes.enqueueAll(connectionId, requests, clock.instant(), result, Vertx.currentContext()));
        return result;
    }

    @Override
    public CompletionStage<List<OutboundMessage>> head(String connectionId, int max) {
        OutboxQueue.Head head = queue(connectionId).head(max, readWindow, clock.instant());
        if (!head.expired().isEmpty()) {
            database.submit(writes.expired(connectionId, head.expired()));
        }
        List<OutboxQueue.Waiting> batch = head.batch();
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        long firstOnDisk = -1;
        long lastOnDisk = -1;
        for (OutboxQueue.Waiting waiting : batch) {
            if (waiting.payload() == null) {
                firstOnDisk = firstOnDisk < 0 ? waiting.id() : firstOnDisk;
                lastOnDisk = waiting.id();
            }
        }
        if (firstOnDisk < 0) {
            // every payload is held in memory: a socket that keeps up never waits for the disk
            try {
                return CompletableFuture.completedFuture(withPayloads(connectionId, batch, Map.of()));
            } catch (SQLException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        long from = firstOnDisk;
        long to = lastOnDisk;
        return database.read(jdbc -> {
            Map<Long, byte[]> payloads = new HashMap<>();
            try (PreparedStatement select = jdbc.prepareStatement(READ_PAYLOADS)) {
                select.setString(1, connectionId);
                select.setLong(2, from);
                select.setLong(3, to);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        payloads.put(rows.getLong(1), rows.getBytes(2));
                    }
                }
            }
            return withPayloads(connectionId, batch, payloads);
        });
    }

    /** The batch with each message's payload, the held one or the one read from disk. */
    private static List<OutboundMessage> withPayloads(String connectionId, List<OutboxQueue.Waiting> batch,
            Map<Long, byte[]> read) throws SQLException {
        List<OutboundMessage> messages = new ArrayList<>(batch.size());
        for (OutboxQueue.Waiting waiting : batch) {
            byte[] payload = waiting.payload() != null ? waiting.payload() : read.get(waiting.id());
            if (payload == null) {
                throw new SQLException("message " + waiting.id() + " of " + connectionId + " has no payload");
            }
            messages.add(waiting.withPayload(payload));
        }
        return messages;
    }

    @Override
    public void markSent(String connectionId, List<OutboundMessage> messages, Instant at) {
        if (messages.isEmpty()) {
            return;
        }
        long forgetUpTo = queue(connectionId).markSent(messages, at);
        database.submit(writes.sent(connectionId, messages.get(messages.size() - 1).id(), at, forgetUpTo));
    }

    @Override
    public Optional<MessageStatus> find(String connectionId, long messageId) {
        return queue(connectionId).find(messageId, clock.instant());
    }

    @Override
    public int queued(String connectionId) {
        return queue(connectionId).size();
    }

    @Override
    public long newestQueued(String connectionId) {
        return queue(connectionId).newest();
    }

    @Override
    public void discard(String connectionId) {
        forget(connectionId);
        database.submit(writes.discard(connectionId));
    }

    @Override
    public boolean writable() {
        return database.writable();
    }

    private void forget(String connectionId) {
        OutboxQueue gone = queues.remove(connectionId);
        if (gone != null) {
            gone.forget();
        }
    }

    private OutboxQueue queue(String connectionId) {
        return queues.computeIfAbsent(connectionId, this::newQueue);
    }

    private OutboxQueue newQueue(String connectionId) {
        return new OutboxQueue(connectionId, settings.apply(connectionId).retainSent(), held);
    }
}
