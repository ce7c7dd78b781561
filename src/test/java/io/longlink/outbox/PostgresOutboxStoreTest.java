package io.longlink.outbox;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import io.longlink.store.StoreDatabase;
import io.longlink.testing.PostgresServer;

/**
 * The outbox on a real PostgreSQL (the store of a cluster), started for this class; each test gets fresh
 * databases. Every open claims the test connection, as the instance owning it would.
 */
class PostgresOutboxStoreTest extends OutboxStoreSuite {

    private static final AtomicInteger TESTS = new AtomicInteger();
    private static PostgresServer postgres;
    /** This test's databases by the suite's names. */
    private final Map<String, String> names = new HashMap<>();
    private final int test = TESTS.incrementAndGet();

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = PostgresServer.start("outbox");
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    @BeforeEach
    void freshDatabase() {
        names.clear();
    }

    @Override
    protected StoreDatabase database(Settings settings, String name) {
        String database = names.computeIfAbsent(name, n -> {
            String created = "outbox_" + test + "_" + n;
            try {
                postgres.createDatabase(created);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return created;
        });
        return StoreDatabase.postgresql(settings.store(), postgres.dataSource(database), database, null, java.time.Duration.ofSeconds(5), clock);
    }

    @Override
    protected long sql(String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(names.get("longlink")), postgres.username(),
                postgres.password());
                java.sql.Statement s = c.createStatement()) {
            if (!s.execute(query)) {
                return s.getUpdateCount();
            }
            try (ResultSet row = s.getResultSet()) {
                row.next();
                return row.getLong(1);
            }
        }
    }
}
