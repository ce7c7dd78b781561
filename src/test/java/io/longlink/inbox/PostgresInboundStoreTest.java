package io.longlink.inbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    @Test
    void aFrameThatACommitStoredThoughItsAnswerWasLostIsWrittenAgainWithoutWedgingTheWriter() throws Exception {
        InboundLog log = open(new InboundSettings(1000, Duration.ofDays(1), 100));
        log.appendText("one");
        await().atMost(Duration.ofSeconds(10)).until(() -> log.lastSeq() == 1);
        // seq 2 as a commit leaves it when PostgreSQL stored it and the connection dropped before its answer: the
        // log numbered the frame and will write it again
        execute("INSERT INTO inbound_message (connection, seq, received_at, is_binary, data) VALUES ('" + ID
                + "', 2, " + clock.millis() + ", 0, 'two')");
        execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE datname = current_database() AND pid <> pg_backend_pid()");
        log.appendText("two");
        log.appendText("three");

        await("the frames after it are stored").atMost(Duration.ofSeconds(30)).until(() -> log.lastSeq() == 3);
        assertEquals(List.of("one", "two", "three"), read(log, 0, 10).stream().map(InboundMessage::data).toList());
        assertEquals(3, rows(), () -> "rows: " + all());
    }

    private String all() {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(name), postgres.username(),
                postgres.password());
                ResultSet row = c.createStatement().executeQuery("SELECT connection, seq, data FROM inbound_message")) {
            StringBuilder all = new StringBuilder();
            while (row.next()) {
                all.append(row.getString(1)).append('/').append(row.getLong(2)).append('/').append(row.getString(3))
                        .append(' ');
            }
            return all.toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private void execute(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(name), postgres.username(),
                postgres.password());
                java.sql.Statement s = c.createStatement()) {
            s.execute(sql);
        }
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
