package io.longlink.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The two SQL databases a durable store runs on. The stores write portable SQL (upserts with {@code ON CONFLICT},
 * plain {@code ?} parameters, {@code CASE} instead of {@code max}/{@code greatest}); what still differs is here.
 */
public enum Dialect {

    /** The embedded file of a single instance. */
    SQLITE {
        @Override
        public String ddl(String sql) {
            return sql;
        }
    },

    /** The database several instances share ({@code longlink.store.kind=postgresql}). */
    POSTGRESQL {
        @Override
        public String ddl(String sql) {
            // SQLite's INTEGER is 64 bits, PostgreSQL's is 32; a BLOB is a BYTEA there; every table is a heap
            return sql.replace(" INTEGER", " BIGINT").replace(" BLOB", " BYTEA").replace(" WITHOUT ROWID", "");
        }

        @Override
        public boolean lost(Connection jdbc, Exception failure) {
            if (failure instanceof SQLException e && e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                return true;
            }
            try {
                return jdbc.isClosed() || !jdbc.isValid(2);
            } catch (SQLException e) {
                return true;
            }
        }
    };

    /** {@code CREATE} statements written for SQLite, in this dialect's types. */
    public abstract String ddl(String sql);

    /**
     * Runs {@code CREATE ... IF NOT EXISTS} statements (in this dialect's types). On PostgreSQL under an advisory
     * lock: instances starting together would otherwise race on the catalog and one of them fail.
     */
    public void createSchema(Connection jdbc, String... statements) throws SQLException {
        try (Statement s = jdbc.createStatement()) {
            if (this == POSTGRESQL) {
                s.execute("SELECT pg_advisory_lock(" + SCHEMA_LOCK + ")");
            }
            try {
                for (String sql : statements) {
                    s.executeUpdate(ddl(sql));
                }
            } finally {
                if (this == POSTGRESQL) {
                    s.execute("SELECT pg_advisory_unlock(" + SCHEMA_LOCK + ")");
                }
            }
        }
    }

    /**
     * Adds a column to a table made by an earlier version, unless it has it ({@code column} as in a
     * {@code CREATE}, e.g. {@code "sent_at INTEGER"}, nullable).
     */
    public void addColumn(Connection jdbc, String table, String column) throws SQLException {
        if (this == POSTGRESQL) {
            createSchema(jdbc, "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + column);
            return;
        }
        String name = column.substring(0, column.indexOf(' '));
        try (Statement s = jdbc.createStatement();
                java.sql.ResultSet columns = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (columns.next()) {
                if (columns.getString("name").equalsIgnoreCase(name)) {
                    return;
                }
            }
        }
        try (Statement s = jdbc.createStatement()) {
            s.executeUpdate("ALTER TABLE " + table + " ADD COLUMN " + column);
        }
    }

    /** The advisory lock key under which longlink instances create their tables. */
    private static final long SCHEMA_LOCK = 0x6c6f6e676c696e6bL;

    /**
     * Whether the connection is gone after {@code failure} (a server restarted, a network cut) and must be opened
     * again; a file connection stays usable after any failure.
     */
    public boolean lost(Connection jdbc, Exception failure) {
        return false;
    }
}
