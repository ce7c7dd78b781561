package io.longlink.outbox;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.longlink.store.StoreDatabase;
import io.longlink.store.StoreJob;
import io.longlink.store.Transaction;
import io.vertx.core.Context;

/**
 * The outbox's writes, as jobs for the store writer: enqueue, sent mark, expiry. Enqueues of one transaction share
 * a {@link Batch}, which allocates ids, decides capacity and idempotency against the queue plus what this
 * transaction adds (so concurrent enqueues can neither overshoot a limit nor store a key twice), batches the
 * inserts, and only after the commit appends the new messages to their queues and answers the producers, grouped
 * by the Vert.x context each one came from.
 *
 * <p>Confined to the writer thread, except the factory methods, which only build jobs.
 */
final class OutboxWrites {

    private static final String INSERT_MESSAGE = """
            INSERT INTO outbox_message (connection, id, is_binary, size, enqueued_at, expires_at, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?)""";
    private static final String INSERT_KEY =
            "INSERT INTO idempotency_key (connection, key, message_id, created_at) VALUES (?, ?, ?, ?)";
    private static final String FIND_KEY = "SELECT message_id FROM idempotency_key WHERE connection = ? AND key = ?";
    /**
     * A sent mark: in the row of the last message it covers (see {@link OutboxTables}), whose payload it drops, as
     * upkeep would: so the row does not grow, and a full disk still takes the marks that let upkeep free it.
     */
    private static final String MARK_SENT = """
            UPDATE outbox_message SET sent_at = ?, payload = NULL WHERE connection = ? AND id = ?""";
    private static final String MARK_EXPIRED = """
            UPDATE outbox_message SET expired = 1, payload = NULL WHERE connection = ? AND id = ?""";

    private final OutboxTables tables;
    private final Function<String, OutboxQueue> queues;
    private final Function<String, OutboxSettings> settings;
    private final Clock clock;

    OutboxWrites(OutboxTables tables, Function<String, OutboxQueue> queues, Function<String, OutboxSettings> settings,
            Clock clock) {
        this.tables = tables;
        this.queues = queues;
        this.settings = settings;
        this.clock = clock;
    }

    StoreJob enqueue(EnqueueRequest request, Instant at, CompletableFuture<Enqueued> result, Context context) {
        return new Enqueue(request, at, result, context);
    }

    StoreJob enqueueAll(String connectionId, List<EnqueueRequest> requests, Instant at,
            CompletableFuture<List<Enqueued>> result, Context context) {
        return new EnqueueAll(connectionId, requests, at, result, context);
    }

    StoreJob sent(String connectionId, long upTo, Instant at, long forgetUpTo) {
        return new Sent(connectionId, upTo, at, forgetUpTo);
    }

    StoreJob discard(String connectionId) {
        return new Discard(connectionId);
    }

    StoreJob expired(String connectionId, List<Long> ids) {
        return new Expired(connectionId, ids);
    }

    private Batch batch(Transaction tx) {
        return tx.part(OutboxWrites.class, () -> new Batch(tx));
    }

    /** One producer's message. Its reply is given by the batch after the commit. */
    private final class Enqueue implements StoreJob {
        final EnqueueRequest request;
        final Instant at;
        final CompletableFuture<Enqueued> result;
        final Context context;
        /** Set by write: the id stored, or of the first message of a repeated key. */
        long id;
        boolean repeat;
        RuntimeException refusal;

        Enqueue(EnqueueRequest request, Instant at, CompletableFuture<Enqueued> result, Context context) {
            this.request = request;
            this.at = at;
            this.result = result;
            this.context = context;
        }

        @Override
        public String connectionId() {
            return request.connectionId();
        }

        @Override
        public void write(Transaction tx) throws SQLException {
            batch(tx).add(this);
        }

        @Override
        public void committed() {
            // answered by the batch, grouped by context
        }

        @Override
        public boolean rolledBack(RuntimeException cause) {
            StoreDatabase.complete(context, () -> result.completeExceptionally(cause));
            return false;
        }

        void answer() {
            if (refusal != null) {
                result.completeExceptionally(refusal);
            } else if (repeat) {
                result.complete(queues.apply(request.connectionId()).repeatOf(id, clock.instant()));
            } else {
                result.complete(Enqueued.stored(id));
            }
        }
    }

    /**
     * One producer's batch, all or nothing: refused whole when it does not fit, else its messages are stored in
     * this transaction, contiguous; answered once, after the commit, with every id.
     */
    private final class EnqueueAll implements StoreJob {
        final String connectionId;
        final List<Enqueue> parts = new ArrayList<>();
        final CompletableFuture<List<Enqueued>> result;
        final Context context;

        EnqueueAll(String connectionId, List<EnqueueRequest> requests, Instant at,
                CompletableFuture<List<Enqueued>> result, Context context) {
            this.connectionId = connectionId;
            this.result = result;
            this.context = context;
            for (EnqueueRequest request : requests) {
                parts.add(new Enqueue(request, at, new CompletableFuture<>(), context));
            }
            CompletableFuture.allOf(parts.stream().map(p -> p.result).toArray(CompletableFuture[]::new))
                    .whenComplete((ok, failure) -> {
                        if (failure != null) {
                            result.completeExceptionally(failure instanceof java.util.concurrent.CompletionException
                                    && failure.getCause() != null ? failure.getCause() : failure);
                        } else {
                            result.complete(parts.stream().map(p -> p.result.join()).toList());
                        }
                    });
        }

        @Override
        public String connectionId() {
            return connectionId;
        }

        @Override
        public void write(Transaction tx) throws SQLException {
            batch(tx).addAll(this);
        }

        @Override
        public void committed() {
            // answered by the batch, through its parts
        }

        @Override
        public boolean rolledBack(RuntimeException cause) {
            parts.forEach(p -> p.rolledBack(cause));
            return false;
        }
    }

    /** A batch of the head was written to a socket; kept and retried when its transaction fails. */
    private final class Sent implements StoreJob.Kept {
        final String connectionId;
        final long upTo;
        final Instant at;
        final long forgetUpTo;

        Sent(String connectionId, long upTo, Instant at, long forgetUpTo) {
            this.connectionId = connectionId;
            this.upTo = upTo;
            this.at = at;
            this.forgetUpTo = forgetUpTo;
        }

        @Override
        public String connectionId() {
            return connectionId;
        }

        @Override
        public void write(Transaction tx) throws SQLException {
            batch(tx).sent(this);
        }
    }

    /**
     * A removed connection's rows; kept and retried when its transaction fails. Its last id is saved first, as no
     * row is left to tell it: a connection created again under the same id goes on from there.
     */
    private final class Discard implements StoreJob.Kept {
        final String connectionId;

        Discard(String connectionId) {
            this.connectionId = connectionId;
        }

        @Override
        public String connectionId() {
            return connectionId;
        }

        @Override
        public void write(Transaction tx) throws SQLException {
            tables.saveLastId(tx, connectionId, batch(tx).lastId(connectionId));
            for (String sql : List.of("DELETE FROM outbox_message WHERE connection = ?",
                    "DELETE FROM outbox_sent WHERE connection = ?",
                    "DELETE FROM idempotency_key WHERE connection = ?")) {
                PreparedStatement delete = tx.statement(sql);
                delete.setString(1, connectionId);
                delete.executeUpdate();
            }
        }
    }

    /** Messages met expired at the head; kept and retried when its transaction fails. */
    private record Expired(String connectionId, List<Long> ids) implements StoreJob.Kept {
        @Override
        public void write(Transaction tx) throws SQLException {
            PreparedStatement update = tx.statement(MARK_EXPIRED);
            for (long id : ids) {
                update.setString(1, connectionId);
                update.setLong(2, id);
                update.executeUpdate();
            }
        }
    }

    /** What one transaction does to the outbox; dropped with the transaction when it fails. */
    private final class Batch implements Transaction.Part {
        private final Transaction tx;
        /** Last id allocated per connection in this transaction. */
        private final Map<String, Long> lastIds = new HashMap<>();
        /** Messages and bytes added per connection in this transaction, for the limits. */
        private final Map<String, Integer> added = new HashMap<>();
        private final Map<String, Long> addedBytes = new HashMap<>();
        /** Idempotency keys stored in this transaction, per connection, with their message id. */
        private final Map<String, Map<String, Long>> keys = new HashMap<>();
        private final Map<String, Long> sentUpTo = new HashMap<>();
        private final Map<String, Long> forgetUpTo = new HashMap<>();
        private final List<Enqueue> enqueues = new ArrayList<>();
        private final List<OutboxQueue.Waiting> stored = new ArrayList<>();
        private final List<String> storedFor = new ArrayList<>();
        private boolean batchedInserts;
        private boolean batchedKeys;
        private boolean batchedMarks;

        Batch(Transaction tx) {
            this.tx = tx;
        }

        /** A whole batch: refused together when it does not all fit, else each message as {@link #add}. */
        void addAll(EnqueueAll job) throws SQLException {
            String connectionId = job.connectionId;
            OutboxQueue queue = queues.apply(connectionId);
            long bytes = job.parts.stream().mapToLong(p -> p.request.payload().length).sum();
            OutboxFullException full = settings.apply(connectionId).refusal(connectionId,
                    queue.size() + added.getOrDefault(connectionId, 0),
                    queue.bytes() + addedBytes.getOrDefault(connectionId, 0L), job.parts.size(), bytes);
            for (Enqueue part : job.parts) {
                if (full != null) {
                    enqueues.add(part);
                    part.refusal = full;
                } else {
                    add(part);
                }
            }
        }

        void add(Enqueue job) throws SQLException {
            enqueues.add(job);
            EnqueueRequest r = job.request;
            String connectionId = r.connectionId();
            if (r.idempotencyKey() != null) {
                Long first = firstWithKey(connectionId, r.idempotencyKey());
                if (first != null) {
                    job.id = first;
                    job.repeat = true;
                    return;
                }
            }
            OutboxQueue queue = queues.apply(connectionId);
            int size = r.payload().length;
            job.refusal = settings.apply(connectionId).refusal(connectionId,
                    queue.size() + added.getOrDefault(connectionId, 0),
                    queue.bytes() + addedBytes.getOrDefault(connectionId, 0L), size);
            if (job.refusal != null) {
                return;
            }
            long id = lastId(connectionId) + 1;
            lastIds.put(connectionId, id);
            added.merge(connectionId, 1, Integer::sum);
            addedBytes.merge(connectionId, (long) size, Long::sum);
            Instant expiresAt = r.timeToLive() == null ? null : job.at.plus(r.timeToLive());
            PreparedStatement insert = tx.statement(INSERT_MESSAGE);
            insert.setString(1, connectionId);
            insert.setLong(2, id);
            insert.setInt(3, r.binary() ? 1 : 0);
            insert.setInt(4, size);
            insert.setLong(5, job.at.toEpochMilli());
            if (expiresAt == null) {
                insert.setNull(6, Types.INTEGER);
            } else {
                insert.setLong(6, expiresAt.toEpochMilli());
            }
            insert.setBytes(7, r.payload());
            tx.addBatch(insert);
            batchedInserts = true;
            if (r.idempotencyKey() != null) {
                PreparedStatement key = tx.statement(INSERT_KEY);
                key.setString(1, connectionId);
                key.setString(2, r.idempotencyKey());
                key.setLong(3, id);
                key.setLong(4, job.at.toEpochMilli());
                tx.addBatch(key);
                batchedKeys = true;
                keys.computeIfAbsent(connectionId, c -> new HashMap<>()).put(r.idempotencyKey(), id);
            }
            job.id = id;
            // the queue keeps the payload while its held ones fit in the read window, else reads it from disk
            stored.add(new OutboxQueue.Waiting(id, r.binary(), size, job.at, expiresAt, r.payload()));
            storedFor.add(connectionId);
        }

        void sent(Sent job) throws SQLException {
            PreparedStatement mark = tx.statement(MARK_SENT);
            mark.setLong(1, job.at.toEpochMilli());
            mark.setString(2, job.connectionId);
            mark.setLong(3, job.upTo);
            tx.addBatch(mark);
            batchedMarks = true;
            sentUpTo.merge(job.connectionId, job.upTo, Math::max);
            forgetUpTo.merge(job.connectionId, job.forgetUpTo, Math::max);
        }

        /** The last id allocated for a connection, in this transaction or committed. */
        long lastId(String connectionId) {
            return lastIds.getOrDefault(connectionId, tables.lastId(connectionId));
        }

        /** The message that first used this key, in this transaction or stored, or null. */
        private Long firstWithKey(String connectionId, String key) throws SQLException {
            Long here = keys.getOrDefault(connectionId, Map.of()).get(key);
            if (here != null) {
                return here;
            }
            PreparedStatement find = tx.statement(FIND_KEY);
            find.setString(1, connectionId);
            find.setString(2, key);
            try (ResultSet row = find.executeQuery()) {
                return row.next() ? row.getLong(1) : null;
            }
        }

        @Override
        public void beforeCommit() throws SQLException {
            if (batchedInserts) {
                tx.statement(INSERT_MESSAGE).executeBatch();
            }
            if (batchedKeys) {
                tx.statement(INSERT_KEY).executeBatch();
            }
            if (batchedMarks) {
                tx.statement(MARK_SENT).executeBatch();
            }
            // no sequence row per transaction: the rows tell the last id, and upkeep saves it before deleting any
        }

        @Override
        public void afterCommit() {
            tables.committed(lastIds, sentUpTo, forgetUpTo);
            for (int i = 0; i < stored.size(); i++) {
                queues.apply(storedFor.get(i)).append(stored.get(i));
            }
            Map<Context, List<Enqueue>> byContext = new IdentityHashMap<>();
            for (Enqueue job : enqueues) {
                if (job.context == null) {
                    job.answer();
                } else {
                    byContext.computeIfAbsent(job.context, c -> new ArrayList<>()).add(job);
                }
            }
            byContext.forEach((context, list) -> context.runOnContext(v -> list.forEach(Enqueue::answer)));
        }
    }
}
