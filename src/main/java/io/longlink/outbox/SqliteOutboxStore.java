package io.longlink.outbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

import org.sqlite.SQLiteConfig;

import io.longlink.config.LonglinkConfig;
import io.quarkus.logging.Log;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Outbox kept in one SQLite file in WAL mode, so that accepted messages and their states survive restarts and
 * kill -9.
 *
 * <p>Every connection has an in-memory {@link OutboxQueue} mirroring its committed rows, so {@link #head},
 * {@link #markSent}, {@link #find} and {@link #queued} never touch the disk and may run on the event loop. All
 * JDBC work happens on one writer thread, which owns the JDBC connection: it takes up to
 * {@code longlink.store.max-batch} jobs from its queue, applies them in one transaction (group commit), and
 * only after the commit publishes the new messages to the mirror and completes their enqueue stages, on the
 * Vert.x context each enqueue came from.
 *
 * <p>Invariants:
 * <ul>
 * <li>A message is visible to {@link #head} only once the commit that holds it returned, so nothing a socket
 * ever saw can be lost by a crash.</li>
 * <li>Ids of a connection are allocated by the writer alone and grow by one; the last one is stored in table
 * {@code sequence}, so they keep growing after sent rows were pruned and across restarts.</li>
 * <li>Capacity and idempotency are decided by the writer alone, against the mirror plus the transaction being
 * built, so concurrent enqueues can neither overshoot the capacity nor store a key twice.</li>
 * <li>Sent marks and expiries change the mirror first and reach the file with the writer's next transaction:
 * a crash in between sends those messages again (at-least-once), it never loses one.</li>
 * <li>A failed transaction (disk full, read-only file) is rolled back: its enqueues fail with
 * {@link OutboxUnavailableException}, its sent marks are kept and retried, and {@link #writable()} stays false
 * until a transaction commits again; the writer retries on its own every maintenance interval.</li>
 * </ul>
 *
 * <p>Thread confinement: {@code jdbc}, the statements, {@code nextIds} and {@code unsaved} belong to the writer
 * thread (and to the constructor before it starts). {@code queues} holds the per-connection monitors;
 * {@code writable} and {@code closed} are volatile.
 */
public final class SqliteOutboxStore implements OutboxStore, AutoCloseable {

    private static final String QUEUED = MessageState.QUEUED.name();

    private final LonglinkConfig.Store config;
    private final ToIntFunction<String> retainSent;
    private final Clock clock;
    private final Map<String, OutboxQueue> queues = new ConcurrentHashMap<>();
    private final BlockingQueue<Job> jobs = new LinkedBlockingQueue<>();
    private final Thread writer;
    /** Transactions committed since start; tells tests and logs how well commits are grouped. */
    private final AtomicLong commits = new AtomicLong();
    /** Whether the last transaction (or the opening of the file) succeeded. */
    private volatile boolean writable;
    /** Set once by {@link #close}; enqueues fail from then on. */
    private volatile boolean closed;

    private Connection jdbc;
    private Statements sql;
    /** Last id allocated per connection. */
    private final Map<String, Long> nextIds = new HashMap<>();
    /** Sent marks and expiries whose transaction failed, oldest first, retried before newer jobs. */
    private final List<Job> unsaved = new ArrayList<>();
    /** An attempt to open the file failed (logged once). */
    private boolean openFailed;

    /**
     * Opens (or creates) the file and loads every connection's queue before returning; when the file cannot be
     * opened the store starts unwritable and the writer keeps trying.
     *
     * @param retainSent how many sent messages' states stay readable, per connection id
     */
    public SqliteOutboxStore(LonglinkConfig.Store config, ToIntFunction<String> retainSent, Clock clock) {
        this.config = config;
        this.retainSent = retainSent;
        this.clock = clock;
        tryOpen();
        this.writer = new Thread(this::runWriter, "longlink-store-writer");
        writer.setDaemon(true);
        writer.start();
    }

    // --- the interface, any thread ---

    @Override
    public CompletionStage<OutboundMessage> enqueue(EnqueueRequest request) {
        if (closed) {
            return CompletableFuture.failedFuture(new OutboxUnavailableException("the store is shutting down"));
        }
        CompletableFuture<OutboundMessage> result = new CompletableFuture<>();
        jobs.add(new Enqueue(request, clock.instant(), result, Vertx.currentContext()));
        if (closed) {
            // the writer may be gone: whatever nobody took is refused here
            failLeftovers();
        }
        return result;
    }

    @Override
    public CompletionStage<List<OutboundMessage>> head(String connectionId, int max) {
        Instant now = clock.instant();
        OutboxQueue.Head head = queue(connectionId).head(max, now);
        if (!head.expired().isEmpty()) {
            jobs.add(new Expired(connectionId, head.expired(), now));
        }
        return CompletableFuture.completedFuture(head.batch());
    }

    @Override
    public void markSent(String connectionId, List<OutboundMessage> messages, Instant at) {
        long forgetUpTo = queue(connectionId).markSent(messages, at);
        List<Long> ids = new ArrayList<>(messages.size());
        messages.forEach(m -> ids.add(m.id()));
        jobs.add(new Sent(connectionId, ids, at, forgetUpTo));
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
    public void discard(String connectionId) {
        queues.remove(connectionId);
        jobs.add(new Discard(connectionId));
    }

    @Override
    public boolean writable() {
        return writable && !closed;
    }

    /** Transactions committed since start. */
    long commits() {
        return commits.get();
    }

    /** Stops taking messages, commits what was accepted so far and closes the file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        jobs.add(Stop.INSTANCE);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failLeftovers();
    }

    private OutboxQueue queue(String connectionId) {
        return queues.computeIfAbsent(connectionId, id -> new OutboxQueue(id, retainSent.applyAsInt(id)));
    }

    private void failLeftovers() {
        Job job;
        while ((job = jobs.poll()) != null) {
            if (job instanceof Enqueue e) {
                e.result().completeExceptionally(new OutboxUnavailableException("the store is shutting down"));
            }
        }
    }

    // --- the writer thread ---

    private void runWriter() {
        long interval = Math.max(1, config.maintenanceInterval().toMillis());
        long nextMaintenance = System.currentTimeMillis() + interval;
        List<Job> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                Job first = jobs.poll(Math.max(0, nextMaintenance - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    jobs.drainTo(batch, Math.max(0, config.maxBatch() - 1));
                    stop = batch.remove(Stop.INSTANCE);
                    apply(batch);
                    batch.clear();
                }
                if (System.currentTimeMillis() >= nextMaintenance) {
                    maintain();
                    nextMaintenance = System.currentTimeMillis() + interval;
                }
            } catch (InterruptedException e) {
                stop = true;
            } catch (RuntimeException e) {
                Log.errorf(e, "store writer: unexpected failure");
                batch.forEach(SqliteOutboxStore::failEnqueue);
                batch.clear();
            }
        }
        closeFile();
    }

    /** Applies the jobs (after any unsaved ones) in one transaction, then publishes and answers. */
    private void apply(List<Job> batch) {
        if (jdbc == null) {
            batch.forEach(this::refuse);
            return;
        }
        Transaction tx = new Transaction();
        List<Job> work = new ArrayList<>(unsaved);
        work.addAll(batch);
        try {
            sql.begin.execute();
            for (Job job : work) {
                if (job instanceof Enqueue e) {
                    tx.enqueue(e);
                } else if (job instanceof Sent s) {
                    tx.sent(s);
                } else if (job instanceof Expired x) {
                    tx.expired(x);
                } else if (job instanceof Discard d) {
                    tx.discard(d);
                }
            }
            tx.finish();
            sql.commit.execute();
        } catch (SQLException e) {
            rollback();
            failed(e);
            unsaved.clear();
            work.stream().filter(j -> !(j instanceof Enqueue)).forEach(unsaved::add);
            work.forEach(SqliteOutboxStore::failEnqueue);
            return;
        }
        committed();
        unsaved.clear();
        nextIds.putAll(tx.lastIds);
        tx.replies.stream().filter(Reply::stored)
                .forEach(r -> queue(r.job.request().connectionId()).append(r.message, r.expiresAt));
        answer(tx.replies);
    }

    /** Completes enqueue stages, grouped by the Vert.x context each enqueue came from. */
    private static void answer(List<Reply> replies) {
        Map<Context, List<Reply>> byContext = new IdentityHashMap<>();
        for (Reply r : replies) {
            if (r.job.context() == null) {
                r.complete();
            } else {
                byContext.computeIfAbsent(r.job.context(), c -> new ArrayList<>()).add(r);
            }
        }
        byContext.forEach((context, list) -> context.runOnContext(v -> list.forEach(Reply::complete)));
    }

    private void refuse(Job job) {
        if (job instanceof Enqueue) {
            failEnqueue(job);
        } else {
            unsaved.add(job);
        }
    }

    private static void failEnqueue(Job job) {
        if (job instanceof Enqueue e) {
            e.result().completeExceptionally(new OutboxUnavailableException(
                    "the message store cannot be written now; nothing was stored"));
        }
    }

    /** Retries a store that failed, retries unsaved sent marks and forgets old idempotency keys. */
    private void maintain() {
        if (jdbc == null) {
            tryOpen();
            return;
        }
        if (!unsaved.isEmpty()) {
            apply(new ArrayList<>());
        }
        try {
            sql.begin.execute();
            long cutoff = clock.instant().minus(config.idempotencyRetention()).toEpochMilli();
            for (String connectionId : nextIds.keySet()) {
                sql.pruneKeys.setString(1, connectionId);
                sql.pruneKeys.setLong(2, cutoff);
                sql.pruneKeys.setInt(3, config.idempotencyKeys());
                sql.pruneKeys.executeUpdate();
            }
            if (!writable) {
                sql.probe.setLong(1, clock.millis());
                sql.probe.executeUpdate();
            }
            sql.commit.execute();
            committed();
        } catch (SQLException e) {
            rollback();
            failed(e);
        }
    }

    private void committed() {
        commits.incrementAndGet();
        if (!writable) {
            writable = true;
            Log.infof("message store %s is writable", config.path());
        }
    }

    private void failed(SQLException e) {
        Log.debugf("message store transaction failed: %s", e.getMessage());
        if (writable) {
            Log.errorf("message store %s cannot be written: %s; enqueues answer 503 until it can", config.path(),
                    e.getMessage());
        }
        writable = false;
    }

    private void rollback() {
        try {
            sql.rollback.execute();
        } catch (SQLException e) {
            // SQLite has already rolled back after some errors (disk full among them)
            Log.debugf("message store rollback: %s", e.getMessage());
        }
    }

    // --- opening, loading, closing ---

    private void tryOpen() {
        Path file = Path.of(config.path());
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            SQLiteConfig options = new SQLiteConfig();
            options.setJournalMode(SQLiteConfig.JournalMode.WAL);
            options.setSynchronous(config.sync() == LonglinkConfig.StoreSync.FULL
                    ? SQLiteConfig.SynchronousMode.FULL
                    : SQLiteConfig.SynchronousMode.NORMAL);
            Connection connection = options.createConnection("jdbc:sqlite:" + file);
            try {
                createSchema(connection);
                limitSize(connection);
                load(connection);
                sql = new Statements(connection);
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
            jdbc = connection;
            writable = true;
            Log.infof("message store %s open (sync=%s); %d message(s) queued", file,
                    config.sync().name().toLowerCase(), queues.values().stream().mapToInt(OutboxQueue::size).sum());
        } catch (IOException | SQLException e) {
            if (!openFailed) {
                Log.errorf("message store %s cannot be opened: %s; enqueues answer 503 until it can", file,
                        e.getMessage());
            }
            openFailed = true;
            writable = false;
        }
    }

    private static void createSchema(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS message (
                        connection TEXT NOT NULL,
                        id INTEGER NOT NULL,
                        state TEXT NOT NULL,
                        is_binary INTEGER NOT NULL,
                        payload BLOB,
                        enqueued_at INTEGER NOT NULL,
                        sent_at INTEGER,
                        expires_at INTEGER,
                        PRIMARY KEY (connection, id))""");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS sequence (
                        connection TEXT PRIMARY KEY,
                        last_id INTEGER NOT NULL)""");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS idempotency_key (
                        connection TEXT NOT NULL,
                        key TEXT NOT NULL,
                        message_id INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (connection, key))""");
            s.executeUpdate("""
                    CREATE INDEX IF NOT EXISTS idempotency_key_by_message
                        ON idempotency_key (connection, message_id)""");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS store_check (
                        name TEXT PRIMARY KEY,
                        at INTEGER NOT NULL)""");
        }
    }

    private void limitSize(Connection connection) throws SQLException {
        long maxBytes = config.maxSize().asLongValue();
        if (maxBytes <= 0) {
            return;
        }
        try (Statement s = connection.createStatement();
                ResultSet page = s.executeQuery("PRAGMA page_size")) {
            page.next();
            long pages = Math.max(1, maxBytes / page.getLong(1));
            s.execute("PRAGMA max_page_count = " + pages);
        }
    }

    private void load(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            try (ResultSet rows = s.executeQuery("SELECT connection, last_id FROM sequence")) {
                while (rows.next()) {
                    nextIds.put(rows.getString(1), rows.getLong(2));
                }
            }
            try (ResultSet rows = s.executeQuery("""
                    SELECT connection, id, state, is_binary, payload, enqueued_at, sent_at, expires_at
                    FROM message ORDER BY connection, id""")) {
                while (rows.next()) {
                    OutboxQueue queue = queue(rows.getString(1));
                    long id = rows.getLong(2);
                    String state = rows.getString(3);
                    Instant enqueuedAt = Instant.ofEpochMilli(rows.getLong(6));
                    if (QUEUED.equals(state)) {
                        queue.append(new OutboundMessage(id, rows.getInt(4) != 0, rows.getBytes(5), enqueuedAt),
                                instantOrNull(rows, 8));
                    } else {
                        queue.restoreDone(new MessageStatus(Long.toString(id), MessageState.valueOf(state), enqueuedAt,
                                instantOrNull(rows, 7)));
                    }
                }
            }
        }
    }

    private static Instant instantOrNull(ResultSet rows, int column) throws SQLException {
        long millis = rows.getLong(column);
        return rows.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    private void closeFile() {
        if (jdbc == null) {
            return;
        }
        try {
            jdbc.close();
            Log.infof("message store %s closed", config.path());
        } catch (SQLException e) {
            Log.warnf("message store %s did not close cleanly: %s", config.path(), e.getMessage());
        }
        jdbc = null;
    }

    // --- jobs and transactions ---

    /** Work for the writer thread. */
    private sealed interface Job permits Enqueue, Sent, Expired, Discard, Stop {
    }

    private record Discard(String connectionId) implements Job {
    }

    private record Enqueue(EnqueueRequest request, Instant at, CompletableFuture<OutboundMessage> result,
            Context context) implements Job {
    }

    private record Sent(String connectionId, List<Long> ids, Instant at, long forgetUpTo) implements Job {
    }

    private record Expired(String connectionId, List<Long> ids, Instant at) implements Job {
    }

    private enum Stop implements Job {
        INSTANCE
    }

    /**
     * The answer to one enqueue, given once the transaction commits: a message it stored ({@code stored}), the
     * first message of a repeated idempotency key, or a failure.
     */
    private record Reply(Enqueue job, OutboundMessage message, Instant expiresAt, boolean stored, RuntimeException failure) {

        void complete() {
            if (failure == null) {
                job.result().complete(message);
            } else {
                job.result().completeExceptionally(failure);
            }
        }
    }

    /**
     * The prepared statements of the writer's connection. The connection stays in auto-commit mode and the
     * writer brackets its transactions itself, because SQLite ends a transaction on its own after some errors
     * (disk full among them) and the driver's bookkeeping would then refuse every later commit.
     */
    private static final class Statements {
        final PreparedStatement insertMessage;
        final PreparedStatement insertKey;
        final PreparedStatement findKey;
        final PreparedStatement markSent;
        final PreparedStatement markExpired;
        final PreparedStatement forget;
        final PreparedStatement saveSequence;
        final PreparedStatement pruneKeys;
        final PreparedStatement probe;
        final PreparedStatement dropMessages;
        final PreparedStatement dropKeys;
        final PreparedStatement begin;
        final PreparedStatement commit;
        final PreparedStatement rollback;

        Statements(Connection c) throws SQLException {
            begin = c.prepareStatement("BEGIN");
            commit = c.prepareStatement("COMMIT");
            rollback = c.prepareStatement("ROLLBACK");
            insertMessage = c.prepareStatement("""
                    INSERT INTO message (connection, id, state, is_binary, payload, enqueued_at, expires_at)
                    VALUES (?, ?, 'QUEUED', ?, ?, ?, ?)""");
            insertKey = c.prepareStatement(
                    "INSERT INTO idempotency_key (connection, key, message_id, created_at) VALUES (?, ?, ?, ?)");
            findKey = c.prepareStatement("SELECT message_id FROM idempotency_key WHERE connection = ? AND key = ?");
            markSent = c.prepareStatement("""
                    UPDATE message SET state = 'SENT', sent_at = ?, payload = NULL
                    WHERE connection = ? AND id = ? AND state = 'QUEUED'""");
            markExpired = c.prepareStatement("""
                    UPDATE message SET state = 'EXPIRED', payload = NULL
                    WHERE connection = ? AND id = ? AND state = 'QUEUED'""");
            forget = c.prepareStatement("DELETE FROM message WHERE connection = ? AND id <= ? AND state <> 'QUEUED'");
            saveSequence = c.prepareStatement("""
                    INSERT INTO sequence (connection, last_id) VALUES (?, ?)
                    ON CONFLICT (connection) DO UPDATE SET last_id = excluded.last_id""");
            pruneKeys = c.prepareStatement("""
                    DELETE FROM idempotency_key WHERE connection = ?1 AND created_at < ?2
                    AND message_id <= (SELECT message_id FROM idempotency_key WHERE connection = ?1
                                       ORDER BY message_id DESC LIMIT 1 OFFSET ?3)""");
            probe = c.prepareStatement("INSERT OR REPLACE INTO store_check (name, at) VALUES ('writable', ?)");
            dropMessages = c.prepareStatement("DELETE FROM message WHERE connection = ?");
            dropKeys = c.prepareStatement("DELETE FROM idempotency_key WHERE connection = ?");
        }
    }

    /** One group commit being built by the writer; discarded when it fails. */
    private final class Transaction {
        /** Last id allocated per connection in this transaction. */
        final Map<String, Long> lastIds = new HashMap<>();
        /** Messages added per connection in this transaction, for the capacity check. */
        final Map<String, Integer> added = new HashMap<>();
        /** Idempotency keys stored in this transaction, per connection, with their message. */
        final Map<String, Map<String, OutboundMessage>> keys = new HashMap<>();
        final List<Reply> replies = new ArrayList<>();
        boolean batchedInserts;
        boolean batchedKeys;
        boolean batchedMarks;

        void enqueue(Enqueue job) throws SQLException {
            EnqueueRequest r = job.request();
            String connectionId = r.connectionId();
            if (r.idempotencyKey() != null) {
                OutboundMessage first = firstWithKey(connectionId, r);
                if (first != null) {
                    replies.add(new Reply(job, first, null, false, null));
                    return;
                }
            }
            int count = queue(connectionId).size() + added.getOrDefault(connectionId, 0);
            if (count >= r.capacity()) {
                replies.add(new Reply(job, null, null, false, new OutboxFullException(connectionId, r.capacity())));
                return;
            }
            long id = lastIds.getOrDefault(connectionId, nextIds.getOrDefault(connectionId, 0L)) + 1;
            lastIds.put(connectionId, id);
            added.merge(connectionId, 1, Integer::sum);
            Instant expiresAt = r.timeToLive() == null ? null : job.at().plus(r.timeToLive());
            OutboundMessage message = new OutboundMessage(id, r.binary(), r.payload(), job.at());
            sql.insertMessage.setString(1, connectionId);
            sql.insertMessage.setLong(2, id);
            sql.insertMessage.setInt(3, r.binary() ? 1 : 0);
            sql.insertMessage.setBytes(4, r.payload());
            sql.insertMessage.setLong(5, job.at().toEpochMilli());
            if (expiresAt == null) {
                sql.insertMessage.setNull(6, java.sql.Types.INTEGER);
            } else {
                sql.insertMessage.setLong(6, expiresAt.toEpochMilli());
            }
            sql.insertMessage.addBatch();
            batchedInserts = true;
            if (r.idempotencyKey() != null) {
                sql.insertKey.setString(1, connectionId);
                sql.insertKey.setString(2, r.idempotencyKey());
                sql.insertKey.setLong(3, id);
                sql.insertKey.setLong(4, job.at().toEpochMilli());
                sql.insertKey.addBatch();
                batchedKeys = true;
                keys.computeIfAbsent(connectionId, c -> new HashMap<>()).put(r.idempotencyKey(), message);
            }
            replies.add(new Reply(job, message, expiresAt, true, null));
        }

        /** The message that first used the request's key, in this transaction or stored, or null. */
        private OutboundMessage firstWithKey(String connectionId, EnqueueRequest r) throws SQLException {
            OutboundMessage here = keys.getOrDefault(connectionId, Map.of()).get(r.idempotencyKey());
            if (here != null) {
                return here;
            }
            sql.findKey.setString(1, connectionId);
            sql.findKey.setString(2, r.idempotencyKey());
            try (ResultSet row = sql.findKey.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                long id = row.getLong(1);
                Instant enqueuedAt = queue(connectionId).find(id, clock.instant()).map(MessageStatus::enqueuedAt)
                        .orElse(clock.instant());
                return new OutboundMessage(id, r.binary(), r.payload(), enqueuedAt);
            }
        }

        void sent(Sent job) throws SQLException {
            for (long id : job.ids()) {
                sql.markSent.setLong(1, job.at().toEpochMilli());
                sql.markSent.setString(2, job.connectionId());
                sql.markSent.setLong(3, id);
                sql.markSent.addBatch();
            }
            batchedMarks = true;
            if (job.forgetUpTo() > 0) {
                flushMarks();
                sql.forget.setString(1, job.connectionId());
                sql.forget.setLong(2, job.forgetUpTo());
                sql.forget.executeUpdate();
            }
        }

        void discard(Discard job) throws SQLException {
            // the id sequence stays: a connection created again under this id never reuses a message id
            for (PreparedStatement drop : List.of(sql.dropMessages, sql.dropKeys)) {
                drop.setString(1, job.connectionId());
                drop.executeUpdate();
            }
        }

        void expired(Expired job) throws SQLException {
            for (long id : job.ids()) {
                sql.markExpired.setString(1, job.connectionId());
                sql.markExpired.setLong(2, id);
                sql.markExpired.executeUpdate();
            }
        }

        private void flushMarks() throws SQLException {
            if (batchedMarks) {
                sql.markSent.executeBatch();
                batchedMarks = false;
            }
        }

        /** Writes what is still batched and the new last ids. */
        void finish() throws SQLException {
            if (batchedInserts) {
                sql.insertMessage.executeBatch();
            }
            if (batchedKeys) {
                sql.insertKey.executeBatch();
            }
            flushMarks();
            for (Map.Entry<String, Long> last : lastIds.entrySet()) {
                sql.saveSequence.setString(1, last.getKey());
                sql.saveSequence.setLong(2, last.getValue());
                sql.saveSequence.addBatch();
            }
            if (!lastIds.isEmpty()) {
                sql.saveSequence.executeBatch();
            }
        }
    }
}
