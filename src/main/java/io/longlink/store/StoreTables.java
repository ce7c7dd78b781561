package io.longlink.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The tables one store owns in the shared SQLite file: it creates (or migrates) them and loads what must be in
 * memory when the file opens, and keeps them trimmed. Both run on the writer thread, never concurrently with a job.
 */
public interface StoreTables {

    /** Creates or migrates the tables and loads what the store keeps in memory; before any job is written. */
    void open(Connection jdbc) throws SQLException;

    /** Periodic upkeep (pruning, reclaiming space), inside a writer transaction every maintenance interval. */
    void maintain(Transaction tx) throws SQLException;
}
