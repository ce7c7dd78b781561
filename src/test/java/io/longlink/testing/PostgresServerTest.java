package io.longlink.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

/**
 * The test PostgreSQL the cluster tests rely on: reachable over TCP with {@link PostgresServer#jdbcUrl()} and its
 * credentials (what the application gets), unreachable while stopped, back on the same port with the committed
 * data after a restart, and gone without a trace after close.
 */
class PostgresServerTest {

    @Test
    void startsAcceptsJdbcStopsRestartsWithItsDataAndCleansUp() throws Exception {
        assumeTrue(PostgresServer.available(), "PostgreSQL binaries not installed (Debian package postgresql)");
        Path dir;
        try (PostgresServer server = PostgresServer.start("selftest")) {
            dir = Path.of(server.sql("SHOW data_directory").trim()).getParent();
            try (Connection db = connect(server, server.jdbcUrl()); Statement s = db.createStatement()) {
                s.execute("CREATE TABLE kept (n int)");
                s.execute("INSERT INTO kept VALUES (42)");
            }
            assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(server.jdbcUrl(), server.username(), "wrong").close(),
                    "TCP needs the password");

            server.stop();
            assertFalse(server.isRunning());
            assertThrows(SQLException.class, () -> connect(server, server.jdbcUrl()).close(), "stopped: refused");

            server.start();
            try (Connection db = connect(server, server.jdbcUrl()); Statement s = db.createStatement();
                    ResultSet rows = s.executeQuery("SELECT n FROM kept")) {
                rows.next();
                assertEquals(42, rows.getInt(1), "committed data survives the restart");
            }

            server.createDatabase("second");
            try (Connection db = connect(server, server.jdbcUrl("second")); Statement s = db.createStatement()) {
                s.execute("CREATE TABLE mine (n int)");
            }
        }
        assertFalse(Files.exists(dir), dir + " is removed by close()");
    }

    private static Connection connect(PostgresServer server, String url) throws SQLException {
        return DriverManager.getConnection(url, server.username(), server.password());
    }
}
