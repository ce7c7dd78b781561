package io.longlink.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import io.longlink.config.LonglinkConfig;
import io.longlink.store.Dialect;
import io.longlink.store.StoreTables;
import io.longlink.store.Transaction;
import io.quarkus.logging.Log;

/**
 * The outbox's tables in the SQLite file: their schema (and the migration from the first format), the loading
 * of every connection's queue at open, and their upkeep.
 *
 * <p>Format: {@code outbox_message} holds one row per message, its payload last (so loading and scanning never
 * read a payload). Sent is not a per-row state but a high-water mark per connection: each {@code markSent} sets
 * {@code sent_at} in the row of the last message it covers, so marking a batch of 64 sent updates one row, in the
 * page the newest inserts dirty anyway. (Earlier files kept marks in {@code outbox_sent}; those still count and are
 * deleted with their rows.) A message is SENT when a mark at or after its id covers it, EXPIRED when its row says
 * so (the rare exception, one UPDATE each), else QUEUED. The last id allocated is the highest in
 * {@code outbox_message}, or in {@code outbox_sequence} when that is higher: a commit writes no sequence row; the
 * sequence is saved only in the transaction that deletes rows (upkeep, a discarded connection), so ids never go
 * back after a restart. So a commit of enqueues and marks dirties the newest pages of one table. Upkeep clears the
 * payloads of sent messages (one ranged UPDATE per connection) and deletes rows and marks whose states were
 * forgotten ({@code outbox.retain-sent}).
 *
 * <p>Thread confinement: everything here belongs to the writer thread.
 */
final class OutboxTables implements StoreTables {

    private static final String PRUNE_KEYS = """
            DELETE FROM idempotency_key WHERE connection = ? AND created_at < ?
            AND message_id <= (SELECT message_id FROM idempotency_key WHERE connection = ?
                               ORDER BY message_id DESC LIMIT 1 OFFSET ?)""";
    private static final String CLEAR_PAYLOADS = """
            UPDATE outbox_message SET payload = NULL
            WHERE connection = ? AND id > ? AND id <= ? AND payload IS NOT NULL""";
    private static final String FORGET_MESSAGES = "DELETE FROM outbox_message WHERE connection = ? AND id > ? AND id <= ?";
    private static final String FORGET_MARKS = "DELETE FROM outbox_sent WHERE connection = ? AND up_to <= ?";
    private static final String SAVE_SEQUENCE = """
            INSERT INTO outbox_sequence (connection, last_id) VALUES (?, ?)
            ON CONFLICT (connection) DO UPDATE SET last_id = excluded.last_id""";
    /** The highest id a connection's rows or saved sequence hold. */
    private static final String STORED_ID = """
            SELECT MAX(id) FROM (SELECT MAX(id) AS id FROM outbox_message WHERE connection = ?
                                 UNION ALL SELECT MAX(last_id) FROM outbox_sequence WHERE connection = ?) ids""";
    /** Most message rows one upkeep step clears or deletes per connection (a few milliseconds of the writer). */
    static final int TIDY_ROWS = 2048;

    /** Receives loaded queues: every connection's when a file opens ({@code all}), or one claimed connection's. */
    interface Loaded {
        void accept(Map<String, OutboxQueue> queues, boolean all);

        /** A released connection's queue is dropped. */
        void released(String connectionId);
    }

    private final LonglinkConfig.Store config;
    private final Dialect dialect;
    private final Clock clock;
    private final Function<String, OutboxQueue> newQueue;
    private final Loaded loaded;
    /** Last id allocated per connection, as committed. */
    private final Map<String, Long> lastIds = new HashMap<>();
    /** Highest id covered by a committed sent mark, per connection. */
    private final Map<String, Long> sentUpTo = new HashMap<>();
    /** Highest id whose payload is cleared, per connection (after a start: below the oldest row kept). */
    private final Map<String, Long> clearedUpTo = new HashMap<>();
    /** Highest id whose state may be deleted, per connection, as committed. */
    private final Map<String, Long> forgetUpTo = new HashMap<>();
    /** Highest id whose row is deleted, per connection (after a start: below the oldest row kept). */
    private final Map<String, Long> forgotten = new HashMap<>();
    /** Cluster mode: the connections this instance claimed. */
    private final Set<String> claimed = new HashSet<>();
    /** Sent marks were committed since the last tidy step: payloads to clear, maybe rows to delete. */
    private boolean untidy;

    /**
     * @param newQueue makes an empty queue for a connection id
     * @param loaded receives every connection's queue once the file is open and loaded
     */
    OutboxTables(LonglinkConfig.Store config, Dialect dialect, Clock clock, Function<String, OutboxQueue> newQueue,
            Loaded loaded) {
        this.config = config;
        this.dialect = dialect;
        this.clock = clock;
        this.newQueue = newQueue;
        this.loaded = loaded;
    }

    long lastId(String connectionId) {
        return lastIds.getOrDefault(connectionId, 0L);
    }

    /** Saves a connection's last id in {@code tx}, which deletes rows that would otherwise tell it. */
    void saveLastId(Transaction tx, String connectionId, long lastId) throws SQLException {
        PreparedStatement save = tx.statement(SAVE_SEQUENCE);
        save.setString(1, connectionId);
        save.setLong(2, lastId);
        save.executeUpdate();
    }

    /** Publishes what a committed transaction changed. */
    void committed(Map<String, Long> newLastIds, Map<String, Long> newSentUpTo, Map<String, Long> newForgetUpTo) {
        lastIds.putAll(newLastIds);
        untidy |= !newSentUpTo.isEmpty();
        newSentUpTo.forEach((id, upTo) -> sentUpTo.merge(id, upTo, Math::max));
        newForgetUpTo.forEach((id, upTo) -> forgetUpTo.merge(id, upTo, Math::max));
    }

    @Override
    public void open(Connection jdbc, boolean loadAll) throws SQLException {
        createSchema(jdbc);
        if (!loadAll) {
            followStoredIds(jdbc);
            return;
        }
        migrateFirstFormat(jdbc);
        lastIds.clear();
        sentUpTo.clear();
        clearedUpTo.clear();
        forgetUpTo.clear();
        forgotten.clear();
        loaded.accept(load(jdbc, null), true);
    }

    /**
     * Cluster mode, the database reopened after its connection was lost: a commit whose answer the connection lost
     * may have stored its rows all the same (its enqueues were answered 503). Ids allocated go on after what the
     * database holds for every claimed connection; else each later commit reused one of those ids and failed on the
     * primary key, and the writer stayed unwritable until a restart. Those rows are delivered after the next claim.
     */
    private void followStoredIds(Connection jdbc) throws SQLException {
        for (String connectionId : claimed) {
            try (PreparedStatement stored = jdbc.prepareStatement(STORED_ID)) {
                stored.setString(1, connectionId);
                stored.setString(2, connectionId);
                try (ResultSet row = stored.executeQuery()) {
                    if (row.next() && row.getLong(1) > lastId(connectionId)) {
                        Log.infof("[%s] the database holds outbox ids up to %d from a commit whose answer was lost",
                                connectionId, row.getLong(1));
                        lastIds.put(connectionId, row.getLong(1));
                    }
                }
            }
        }
    }

    @Override
    public void claim(Transaction tx, String connectionId) throws SQLException {
        for (Map<String, Long> byConnection : List.of(lastIds, sentUpTo, clearedUpTo, forgetUpTo, forgotten)) {
            byConnection.remove(connectionId);
        }
        claimed.add(connectionId);
        loaded.accept(load(tx.jdbc(), connectionId), false);
    }

    @Override
    public void release(String connectionId) {
        for (Map<String, Long> byConnection : List.of(lastIds, sentUpTo, clearedUpTo, forgetUpTo, forgotten)) {
            byConnection.remove(connectionId);
        }
        claimed.remove(connectionId);
        loaded.released(connectionId);
    }

    @Override
    public void maintain(Transaction tx) throws SQLException {
        long cutoff = clock.instant().minus(config.idempotencyRetention()).toEpochMilli();
        PreparedStatement pruneKeys = tx.statement(PRUNE_KEYS);
        for (String connectionId : lastIds.keySet()) {
            if (!tx.mayWrite(connectionId)) {
                continue;
            }
            pruneKeys.setString(1, connectionId);
            pruneKeys.setLong(2, cutoff);
            pruneKeys.setString(3, connectionId);
            pruneKeys.setInt(4, config.idempotencyKeys());
            pruneKeys.executeUpdate();
        }
    }

    @Override
    public boolean untidy() {
        return untidy;
    }

    /**
     * Deletes the rows whose states were forgotten and clears the payloads of the sent ones that stay, at most
     * {@link #TIDY_ROWS} of each per connection: a payload is not cleared in a row about to be deleted.
     */
    @Override
    public boolean tidy(Transaction tx) throws SQLException {
        untidy = false;
        boolean more = false;
        for (String connectionId : lastIds.keySet()) {
            if (tx.mayWrite(connectionId)) {
                more |= forget(tx, connectionId);
                more |= clearPayloads(tx, connectionId);
            }
        }
        return more;
    }

    private boolean clearPayloads(Transaction tx, String connectionId) throws SQLException {
        long from = Math.max(clearedUpTo.getOrDefault(connectionId, 0L), forgetUpTo.getOrDefault(connectionId, 0L));
        long sent = sentUpTo.getOrDefault(connectionId, 0L);
        long to = Math.min(sent, from + TIDY_ROWS);
        if (to > from) {
            inRange(tx, CLEAR_PAYLOADS, connectionId, from, to);
            // a rollback only means the next upkeep clears the range again
            clearedUpTo.put(connectionId, to);
        }
        return sent > to;
    }

    private boolean forget(Transaction tx, String connectionId) throws SQLException {
        long upTo = forgetUpTo.getOrDefault(connectionId, 0L);
        long from = forgotten.getOrDefault(connectionId, 0L);
        long to = Math.min(upTo, from + TIDY_ROWS);
        if (to > from) {
            saveLastId(tx, connectionId, lastId(connectionId));
            inRange(tx, FORGET_MESSAGES, connectionId, from, to);
            PreparedStatement marks = tx.statement(FORGET_MARKS);
            marks.setString(1, connectionId);
            marks.setLong(2, to);
            marks.executeUpdate();
            forgotten.put(connectionId, to);
        }
        return upTo > to;
    }

    /** Runs {@code sql} for the rows of {@code connectionId} with {@code from < id <= to}. */
    private static void inRange(Transaction tx, String sql, String connectionId, long from, long to)
            throws SQLException {
        PreparedStatement statement = tx.statement(sql);
        statement.setString(1, connectionId);
        statement.setLong(2, from);
        statement.setLong(3, to);
        statement.executeUpdate();
    }

    private void createSchema(Connection jdbc) throws SQLException {
        dialect.createSchema(jdbc, SCHEMA);
        // files and databases made before sent marks moved into the rows
        dialect.addColumn(jdbc, "outbox_message", "sent_at INTEGER");
    }

    private static final String[] SCHEMA = { """
                    CREATE TABLE IF NOT EXISTS outbox_message (
                        connection TEXT NOT NULL,
                        id INTEGER NOT NULL,
                        is_binary INTEGER NOT NULL,
                        size INTEGER NOT NULL,
                        enqueued_at INTEGER NOT NULL,
                        expires_at INTEGER,
                        expired INTEGER NOT NULL DEFAULT 0,
                        sent_at INTEGER,
                        payload BLOB,
                        PRIMARY KEY (connection, id)) WITHOUT ROWID""", """
                    CREATE TABLE IF NOT EXISTS outbox_sent (
                        connection TEXT NOT NULL,
                        up_to INTEGER NOT NULL,
                        sent_at INTEGER NOT NULL,
                        PRIMARY KEY (connection, up_to))""", """
                    CREATE TABLE IF NOT EXISTS outbox_sequence (
                        connection TEXT PRIMARY KEY,
                        last_id INTEGER NOT NULL)""", """
                    CREATE TABLE IF NOT EXISTS idempotency_key (
                        connection TEXT NOT NULL,
                        key TEXT NOT NULL,
                        message_id INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (connection, key))""", """
                    CREATE INDEX IF NOT EXISTS idempotency_key_by_message
                        ON idempotency_key (connection, message_id)""" };

    /** Moves the rows of the first format (per-row state, tables {@code message} and {@code sequence}), once. */
    private static void migrateFirstFormat(Connection jdbc) throws SQLException {
        try (Statement s = jdbc.createStatement();
                ResultSet old = s.executeQuery(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('message', 'sequence')")) {
            old.next();
            if (old.getInt(1) < 2) {
                return;
            }
        }
        try (Statement s = jdbc.createStatement()) {
            s.execute("BEGIN");
            try {
                s.executeUpdate("""
                        INSERT INTO outbox_message (connection, id, is_binary, size, enqueued_at, expires_at, expired, payload)
                        SELECT connection, id, is_binary, coalesce(length(payload), 0), enqueued_at, expires_at,
                               state = 'EXPIRED', CASE WHEN state = 'QUEUED' THEN payload END
                        FROM message""");
                s.executeUpdate("""
                        INSERT INTO outbox_sent (connection, up_to, sent_at)
                        SELECT connection, id, coalesce(sent_at, enqueued_at) FROM message WHERE state = 'SENT'""");
                s.executeUpdate("INSERT INTO outbox_sequence (connection, last_id) SELECT connection, last_id FROM sequence");
                s.executeUpdate("DROP TABLE message");
                s.executeUpdate("DROP TABLE sequence");
                s.execute("COMMIT");
            } catch (SQLException e) {
                s.execute("ROLLBACK");
                throw e;
            }
        }
    }

    /**
     * Every connection's queue ({@code only} null), or one connection's; fills the maps above for them. A row with
     * {@code sent_at} is a sent mark: it and the rows before it back to the previous mark were sent then. Marks in
     * {@code outbox_sent} (files written before marks moved into the rows) count as well.
     */
    private Map<String, OutboxQueue> load(Connection jdbc, String only) throws SQLException {
        Map<String, OutboxQueue> queues = new HashMap<>();
        Map<String, TreeMap<Long, Long>> marks = new HashMap<>();
        String where = only == null ? "" : " WHERE connection = ?";
        if (only != null) {
            queues.put(only, newQueue.apply(only));
        }
        try (PreparedStatement sequences = select(jdbc, "SELECT connection, last_id FROM outbox_sequence" + where, only);
                PreparedStatement sent = select(jdbc, "SELECT connection, up_to, sent_at FROM outbox_sent" + where, only);
                PreparedStatement messages = select(jdbc, """
                        SELECT connection, id, is_binary, size, enqueued_at, expires_at, expired, sent_at
                        FROM outbox_message""" + where + " ORDER BY connection, id", only)) {
            try (ResultSet rows = sequences.executeQuery()) {
                while (rows.next()) {
                    lastIds.put(rows.getString(1), rows.getLong(2));
                }
            }
            try (ResultSet rows = sent.executeQuery()) {
                while (rows.next()) {
                    marks.computeIfAbsent(rows.getString(1), c -> new TreeMap<>()).put(rows.getLong(2), rows.getLong(3));
                }
            }
            marks.forEach((connectionId, byUpTo) -> sentUpTo.put(connectionId, byUpTo.lastKey()));
            Unmarked unmarked = null;
            try (ResultSet rows = messages.executeQuery()) {
                while (rows.next()) {
                    String connectionId = rows.getString(1);
                    if (unmarked == null || !unmarked.connectionId.equals(connectionId)) {
                        if (unmarked != null) {
                            unmarked.waiting();
                        }
                        unmarked = new Unmarked(connectionId, queues.computeIfAbsent(connectionId, newQueue),
                                marks.getOrDefault(connectionId, new TreeMap<>()));
                    }
                    long id = rows.getLong(2);
                    lastIds.merge(connectionId, id, Math::max);
                    // upkeep steps start at the oldest row kept, not at id 1
                    forgotten.putIfAbsent(connectionId, id - 1);
                    clearedUpTo.putIfAbsent(connectionId, id - 1);
                    Instant enqueuedAt = Instant.ofEpochMilli(rows.getLong(5));
                    long expiresMillis = rows.getLong(6);
                    Instant expiresAt = rows.wasNull() ? null : Instant.ofEpochMilli(expiresMillis);
                    unmarked.rows.add(new Row(id, enqueuedAt, rows.getInt(7) != 0,
                            new OutboxQueue.Waiting(id, rows.getInt(3) != 0, rows.getInt(4), enqueuedAt, expiresAt, null)));
                    Map.Entry<Long, Long> oldMark = unmarked.oldMarks.ceilingEntry(id);
                    long sentAt = rows.getLong(8);
                    if (!rows.wasNull()) {
                        sentUpTo.merge(connectionId, id, Math::max);
                        unmarked.sent(Instant.ofEpochMilli(sentAt));
                    } else if (oldMark != null) {
                        unmarked.sent(Instant.ofEpochMilli(oldMark.getValue()));
                    }
                }
            }
            if (unmarked != null) {
                unmarked.waiting();
            }
        }
        return queues;
    }

    /** A loaded row, its state not known until a mark after it is met. */
    private record Row(long id, Instant enqueuedAt, boolean expired, OutboxQueue.Waiting waiting) {
    }

    /** One connection's rows since its last sent mark, in order: given to its queue once their state is known. */
    private static final class Unmarked {
        final String connectionId;
        final OutboxQueue queue;
        /** The connection's marks in {@code outbox_sent}, by the id they cover up to. */
        final TreeMap<Long, Long> oldMarks;
        final List<Row> rows = new ArrayList<>();

        Unmarked(String connectionId, OutboxQueue queue, TreeMap<Long, Long> oldMarks) {
            this.connectionId = connectionId;
            this.queue = queue;
            this.oldMarks = oldMarks;
        }

        /** A mark covers the rows: sent at {@code at}, but for the expired ones. */
        void sent(Instant at) {
            for (Row row : rows) {
                queue.restoreDone(new MessageStatus(Long.toString(row.id()),
                        row.expired() ? MessageState.EXPIRED : MessageState.SENT, row.enqueuedAt(),
                        row.expired() ? null : at));
            }
            rows.clear();
        }

        /** No mark covers the rows: they wait, but for the expired ones. */
        void waiting() {
            for (Row row : rows) {
                if (row.expired()) {
                    queue.restoreDone(new MessageStatus(Long.toString(row.id()), MessageState.EXPIRED,
                            row.enqueuedAt(), null));
                } else {
                    queue.append(row.waiting());
                }
            }
            rows.clear();
        }
    }

    private static PreparedStatement select(Connection jdbc, String sql, String connectionId) throws SQLException {
        PreparedStatement statement = jdbc.prepareStatement(sql);
        if (connectionId != null) {
            statement.setString(1, connectionId);
        }
        return statement;
    }
}
