package io.longlink.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The tables one store owns in the shared database: it creates (or migrates) them and loads what must be in memory
 * (all of it when a SQLite file opens; one connection's part when a cluster instance claims it), and keeps them
 * trimmed. Everything runs on the writer thread, never concurrently with a job.
 */
public interface StoreTables {

    /**
     * Creates or migrates the tables; before any job is written, and again whenever the database is reopened. For
     * SQLite ({@code loadAll}) it also loads every connection's state; in a cluster nothing is loaded before a claim.
     */
    void open(Connection jdbc, boolean loadAll) throws SQLException;

    /** Cluster mode: this instance now owns {@code connectionId}: load its state (replacing any kept before). */
    default void claim(Transaction tx, String connectionId) throws SQLException {
    }

    /** Cluster mode: this instance no longer owns {@code connectionId}: forget its state, write nothing of it. */
    default void release(String connectionId) {
    }

    /**
     * Periodic upkeep (pruning, reclaiming space), inside a writer transaction every maintenance interval; only for
     * connections {@link Transaction#mayWrite} allows.
     */
    void maintain(Transaction tx) throws SQLException;

    /**
     * One bounded step of the upkeep that grows with traffic (rows to clear or delete), so that no transaction holds
     * up the commits behind it for long: inside a writer transaction at every maintenance, soon after commits made
     * the tables {@link #untidy}, and again soon after while a step returns true (more remains).
     */
    default boolean tidy(Transaction tx) throws SQLException {
        return false;
    }

    /**
     * Whether committed jobs left rows to tidy since the last {@link #tidy} step, known without a query: then a step
     * runs shortly, instead of at the next maintenance. Upkeep that needs a query to know (time-based retention)
     * answers false and is tidied at every maintenance.
     */
    default boolean untidy() {
        return false;
    }
}
