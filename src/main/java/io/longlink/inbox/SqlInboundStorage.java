package io.longlink.inbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.longlink.store.StoreDatabase;
import io.longlink.store.StoreJob;
import io.longlink.store.StoreTables;
import io.longlink.store.Transaction;

/**
 * Inbound messages in the store's database (the SQLite file, or PostgreSQL in a cluster): table {@code inbound_message} (one row per frame, its data last) and
 * {@code inbound_sequence} (the newest seq per connection, so numbering goes on after every row was pruned).
 * Frames are written by the shared store writer, in the same group commits as the outbox, one {@link Flush} job
 * per log and transaction taking every frame that arrived since the last; a log hears of its frames after the
 * commit, on the writer thread. A transaction that fails keeps its frames
 * and writes them again first, so the order never changes.
 *
 * <p>Upkeep deletes, per connection, what is beyond {@code inbound.retain} or older than
 * {@code inbound.retain-for}, but never a message above the {@link RetentionHold} (what the webhook has not
 * delivered). {@code lastSeqs} belongs to the writer thread; {@code tails} is read once per
 * connection.
 */
final class SqlInboundStorage implements InboundStorage, StoreTables {

    /**
     * A frame keeps its seq when a transaction is rolled back and is written again in the next. With PostgreSQL a
     * commit whose answer the connection lost may have stored it all the same: the same seq holds the same frame, so
     * that row stays (else every later commit failed on the primary key and the writer stayed unwritable).
     */
    private static final String INSERT = insert(1);
    /** Rows one {@link #INSERT_ROWS} statement holds. */
    private static final int ROWS = 32;
    /**
     * {@link #ROWS} rows in one statement: a feed's group commit holds thousands of frames, and a statement per row
     * spent much of the writer's time running statements rather than storing rows.
     */
    private static final String INSERT_ROWS = insert(ROWS);
    private static final String SAVE_SEQUENCE = """
            INSERT INTO inbound_sequence (connection, last_seq) VALUES (?, ?)
            ON CONFLICT (connection) DO UPDATE SET last_seq = excluded.last_seq""";
    private static final String SELECT = """
            SELECT seq, received_at, is_binary, data FROM inbound_message
            WHERE connection = ? AND seq > ? AND seq <= ? AND (seq > ? OR received_at >= ?) ORDER BY seq LIMIT ?""";
    private static final String NEWEST = """
            SELECT seq, received_at, is_binary, data FROM inbound_message
            WHERE connection = ? ORDER BY seq DESC LIMIT ?""";
    /**
     * Deletes the oldest rows past retention (count or age) and not held, at most {@link #PRUNE_ROWS} of them: of the
     * {@link #PRUNE_ROWS} oldest rows not held, those past retention. Rows past retention are a prefix in seq order
     * (seqs and receipt times grow together, as the in-memory window assumes too), so looking at the oldest rows
     * finds them all, in O(step). Filtering before the limit instead scanned every retained row of the connection
     * when none was past retention: at every maintenance, 400 ms of the writer with a million rows retained.
     */
    private static final String PRUNE = """
            DELETE FROM inbound_message WHERE connection = ? AND seq IN (
                SELECT seq FROM inbound_message WHERE connection = ? AND seq <= ? ORDER BY seq LIMIT ?)
            AND (seq <= ? OR received_at < ?)""";
    /** Most rows one upkeep step deletes per connection (a few milliseconds of the writer). */
    static final int PRUNE_ROWS = 2048;

    private final StoreDatabase database;
    private final Function<String, InboundSettings> settings;
    private final Clock clock;
    private final RetentionHold hold;
    /** What each connection held when the file opened, until its log takes it. */
    private final Map<String, Tail> tails = new ConcurrentHashMap<>();
    /** Newest committed seq per connection. */
    private final Map<String, Long> lastSeqs = new HashMap<>();

    SqlInboundStorage(StoreDatabase database, Function<String, InboundSettings> settings, Clock clock,
            RetentionHold hold) {
        this.hold = hold;
        this.database = database;
        this.settings = settings;
        this.clock = clock;
        database.register(this);
    }

    private static String insert(int rows) {
        return "INSERT INTO inbound_message (connection, seq, received_at, is_binary, data) VALUES "
                + String.join(", ", Collections.nCopies(rows, "(?, ?, ?, ?, ?)"))
                + " ON CONFLICT (connection, seq) DO NOTHING";
    }

    @Override
    public int cacheSize(InboundSettings s) {
        return Math.min(s.cache(), s.retain());
    }

    @Override
    public Tail tail(String connectionId) {
        Tail tail = tails.remove(connectionId);
        return tail == null ? Tail.EMPTY : tail;
    }

    @Override
    public void flush(InboundLog log) {
        database.submit(new Flush(log));
    }

    @Override
    public CompletionStage<List<InboundMessage>> read(String connectionId, long after, long upTo, int limit,
            Instant cutoff, long held) {
        return database.read(jdbc -> {
            try (PreparedStatement select = jdbc.prepareStatement(SELECT)) {
                select.setString(1, connectionId);
                select.setLong(2, after);
                select.setLong(3, upTo);
                select.setLong(4, held);
                select.setLong(5, cutoff.toEpochMilli());
                select.setInt(6, limit);
                return rows(select);
            }
        });
    }

    @Override
    public void open(Connection jdbc, boolean loadAll) throws SQLException {
        database.dialect().createSchema(jdbc, """
                CREATE TABLE IF NOT EXISTS inbound_message (
                    connection TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    received_at INTEGER NOT NULL,
                    is_binary INTEGER NOT NULL,
                    data TEXT NOT NULL,
                    PRIMARY KEY (connection, seq))""", """
                CREATE TABLE IF NOT EXISTS inbound_sequence (
                    connection TEXT PRIMARY KEY,
                    last_seq INTEGER NOT NULL)""");
        if (!loadAll) {
            return;
        }
        lastSeqs.clear();
        tails.clear();
        try (Statement s = jdbc.createStatement();
                ResultSet rows = s.executeQuery("SELECT connection, last_seq FROM inbound_sequence")) {
            while (rows.next()) {
                lastSeqs.put(rows.getString(1), rows.getLong(2));
            }
        }
        for (String connectionId : lastSeqs.keySet()) {
            loadTail(jdbc, connectionId);
        }
    }

    @Override
    public void claim(Transaction tx, String connectionId) throws SQLException {
        lastSeqs.remove(connectionId);
        try (PreparedStatement last = tx.jdbc().prepareStatement(
                "SELECT last_seq FROM inbound_sequence WHERE connection = ?")) {
            last.setString(1, connectionId);
            try (ResultSet row = last.executeQuery()) {
                if (row.next()) {
                    lastSeqs.put(connectionId, row.getLong(1));
                }
            }
        }
        if (lastSeqs.containsKey(connectionId)) {
            loadTail(tx.jdbc(), connectionId);
        } else {
            tails.put(connectionId, Tail.EMPTY);
        }
    }

    @Override
    public void release(String connectionId) {
        lastSeqs.remove(connectionId);
        tails.remove(connectionId);
    }

    /** Keeps the connection's newest seq and messages for its log to take. */
    private void loadTail(Connection jdbc, String connectionId) throws SQLException {
        try (PreparedStatement newest = jdbc.prepareStatement(NEWEST)) {
            newest.setString(1, connectionId);
            newest.setInt(2, cacheSize(settings.apply(connectionId)));
            List<InboundMessage> messages = new ArrayList<>(rows(newest));
            Collections.reverse(messages);
            tails.put(connectionId, new Tail(lastSeqs.get(connectionId), messages));
        }
    }

    @Override
    public void maintain(Transaction tx) {
        // retention is applied by tidy, in bounded steps
    }

    /** Deletes what retention lets go, at most {@link #PRUNE_ROWS} rows per connection; whether more remains. */
    @Override
    public boolean tidy(Transaction tx) throws SQLException {
        PreparedStatement prune = tx.statement(PRUNE);
        boolean more = false;
        for (Map.Entry<String, Long> last : lastSeqs.entrySet()) {
            if (!tx.mayWrite(last.getKey())) {
                continue;
            }
            InboundSettings s = settings.apply(last.getKey());
            prune.setString(1, last.getKey());
            prune.setString(2, last.getKey());
            prune.setLong(3, hold.keepAfter(last.getKey()));
            prune.setInt(4, PRUNE_ROWS);
            prune.setLong(5, last.getValue() - s.retain());
            prune.setLong(6, clock.instant().minus(s.retainFor()).toEpochMilli());
            more |= prune.executeUpdate() >= PRUNE_ROWS;
        }
        return more;
    }

    private static List<InboundMessage> rows(PreparedStatement select) throws SQLException {
        List<InboundMessage> page = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                page.add(new InboundMessage(rows.getLong(1), Instant.ofEpochMilli(rows.getLong(2)),
                        rows.getInt(3) != 0 ? InboundMessage.BINARY : InboundMessage.TEXT, rows.getString(4)));
            }
        }
        return page;
    }

    /**
     * Takes what a log received since its last flush into the transaction: one job per log and transaction, however
     * many frames. Kept and written again (with the frames that came meanwhile) when its transaction fails.
     */
    private final class Flush implements StoreJob {
        final InboundLog log;

        Flush(InboundLog log) {
            this.log = log;
        }

        @Override
        public String connectionId() {
            return log.connectionId();
        }

        @Override
        public void write(Transaction tx) throws SQLException {
            List<InboundMessage> frames = log.unwritten();
            if (!frames.isEmpty()) {
                // published per log by the batch after the commit
                tx.part(SqlInboundStorage.class, () -> new Batch(tx)).add(log, frames);
            }
        }

        @Override
        public void committed() {
        }

        @Override
        public boolean rolledBack(RuntimeException cause) {
            log.rewind();
            return true;
        }
    }

    /** The frames of one transaction: the newest seq of each log. */
    private final class Batch implements Transaction.Part {
        private final Transaction tx;
        private final Map<InboundLog, Long> newest = new LinkedHashMap<>();
        private final Map<String, Long> newLastSeqs = new HashMap<>();
        /** Rows were batched on {@link #INSERT_ROWS}, on {@link #INSERT}: only those statements run at the commit. */
        private boolean manyRows;
        private boolean oneRow;

        Batch(Transaction tx) {
            this.tx = tx;
        }

        void add(InboundLog log, List<InboundMessage> frames) throws SQLException {
            int whole = frames.size() - frames.size() % ROWS;
            if (whole > 0) {
                manyRows = true;
                PreparedStatement rows = tx.statement(INSERT_ROWS);
                for (int i = 0; i < whole; i++) {
                    bind(rows, i % ROWS * 5, log.connectionId(), frames.get(i));
                    if (i % ROWS == ROWS - 1) {
                        tx.addBatch(rows);
                    }
                }
            }
            PreparedStatement row = whole < frames.size() ? tx.statement(INSERT) : null;
            oneRow |= row != null;
            for (int i = whole; i < frames.size(); i++) {
                bind(row, 0, log.connectionId(), frames.get(i));
                tx.addBatch(row);
            }
            long last = frames.get(frames.size() - 1).seq();
            newest.put(log, last);
            newLastSeqs.put(log.connectionId(), last);
        }

        /** The message's row as the parameters after {@code offset}. */
        private static void bind(PreparedStatement insert, int offset, String connectionId, InboundMessage m)
                throws SQLException {
            insert.setString(offset + 1, connectionId);
            insert.setLong(offset + 2, m.seq());
            insert.setLong(offset + 3, m.receivedAt().toEpochMilli());
            insert.setInt(offset + 4, InboundMessage.BINARY.equals(m.type()) ? 1 : 0);
            insert.setString(offset + 5, m.data());
        }

        @Override
        public void beforeCommit() throws SQLException {
            if (manyRows) {
                tx.statement(INSERT_ROWS).executeBatch();
            }
            if (oneRow) {
                tx.statement(INSERT).executeBatch();
            }
            tx.executeBatch(SAVE_SEQUENCE, newLastSeqs);
        }

        @Override
        public void afterCommit() {
            lastSeqs.putAll(newLastSeqs);
            // on the writer thread: the log only records the seq and signals its listeners
            newest.forEach(InboundLog::committed);
        }
    }
}
