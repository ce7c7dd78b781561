package io.longlink.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One group commit being built by the {@link StoreWriter}. Jobs reach the writer's prepared statements through
 * {@link #statement} and keep per-transaction state (ids allocated so far, batched inserts) in a {@link Part},
 * created on first use and dropped with the transaction, so a rolled-back transaction leaves nothing behind.
 *
 * <p>Confined to the writer thread.
 */
public final class Transaction {

    /** Per-transaction state of one store; flushed before the commit and published after it. */
    public interface Part {
        /** Writes what is still batched; the commit follows. */
        void beforeCommit() throws SQLException;

        /** The transaction committed: publish what it changed. */
        void afterCommit();
    }

    /**
     * Rows a statement batches before they are sent to the database. SQLite's driver keeps a statement's batch array
     * at the largest size it ever had and clears it slot by slot after every execution: one burst of 200 000
     * inbound frames in one transaction made each later commit of a single frame clear a million slots (40 % of the
     * process's CPU at 5 000 frames/s). Sent in chunks, no batch grows past this.
     */
    static final int BATCH_CHUNK = 256;

    private final StoreWriter.Statements statements;
    private final Map<Object, Part> parts = new LinkedHashMap<>();
    /** Rows batched and not yet sent, per statement. */
    private final Map<PreparedStatement, Integer> batched = new java.util.IdentityHashMap<>();
    /** Connections this instance may write in this transaction; null: all (a single instance). */
    private final Set<String> writable;

    Transaction(StoreWriter.Statements statements, Set<String> writable) {
        this.statements = statements;
        this.writable = writable;
    }

    /** Whether this transaction may write rows of {@code connectionId} (in a cluster: this instance owns it). */
    public boolean mayWrite(String connectionId) {
        return writable == null || writable.contains(connectionId);
    }

    /** The writer's JDBC connection, for a query that is not worth a cached statement. */
    public java.sql.Connection jdbc() {
        return statements.connection();
    }

    /** The writer connection's prepared statement for {@code sql}, prepared once per open file. */
    public PreparedStatement statement(String sql) throws SQLException {
        return statements.get(sql);
    }

    /**
     * Adds the bound parameters of {@code statement} to its batch; every {@link #BATCH_CHUNK} rows the batch is sent.
     * The part that batches still calls {@code executeBatch} before the commit, for the rest.
     */
    public void addBatch(PreparedStatement statement) throws SQLException {
        statement.addBatch();
        int rows = batched.merge(statement, 1, Integer::sum);
        if (rows >= BATCH_CHUNK) {
            statement.executeBatch();
            batched.put(statement, 0);
        }
    }

    /** Runs {@code sql} once per entry, bound to (connection id, number), as one batch; nothing when empty. */
    public void executeBatch(String sql, Map<String, Long> byConnection) throws SQLException {
        if (byConnection.isEmpty()) {
            return;
        }
        PreparedStatement statement = statement(sql);
        for (Map.Entry<String, Long> row : byConnection.entrySet()) {
            statement.setString(1, row.getKey());
            statement.setLong(2, row.getValue());
            addBatch(statement);
        }
        statement.executeBatch();
    }

    /** This transaction's part under {@code key}, created by {@code create} on first use. */
    @SuppressWarnings("unchecked")
    public <P extends Part> P part(Object key, Supplier<P> create) {
        return (P) parts.computeIfAbsent(key, k -> create.get());
    }

    void beforeCommit() throws SQLException {
        for (Part part : parts.values()) {
            part.beforeCommit();
        }
    }

    void afterCommit() {
        parts.values().forEach(Part::afterCommit);
    }
}
