package io.longlink.inbox;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.longlink.store.StoreDatabase;
import io.longlink.testing.PostgresServer;
import io.longlink.testing.TestStoreSettings;

/** The inbound store on a real PostgreSQL started for this class; a fresh database per test. */
class PostgresInboundStoreTest extends InboundStoreSuite {

    private static final AtomicInteger TESTS = new AtomicInteger();
    private static PostgresServer postgres;
    private final String name = "inbound_" + TESTS.incrementAndGet();
    private boolean created;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = PostgresServer.start("inbound");
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    @Override
    protected StoreDatabase database(TestStoreSettings settings) {
        if (!created) {
            try {
                postgres.createDatabase(name);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            created = true;
        }
        return StoreDatabase.postgresql(settings, postgres.dataSource(name), name, null, java.time.Duration.ofSeconds(5), clock);
    }

    @Override
    protected long rows() throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(name), postgres.username(), postgres.password());
                ResultSet row = c.createStatement().executeQuery("SELECT count(*) FROM inbound_message")) {
            row.next();
            return row.getLong(1);
        }
    }
}
