package io.longlink.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

    @Test
    void aCommitWhoseAnswerTheConnectionLostDoesNotWedgeTheWriter() throws Exception {
        SqlOutboxStore store = open(settings());
        assertEquals(1, enqueue(store, "m1", null).id());
        // what a commit leaves when PostgreSQL stored it and the connection dropped before its answer: the rows are
        // there, the writer's ids did not move on (its enqueues were answered 503)
        sql("""
                INSERT INTO outbox_message (connection, id, is_binary, size, enqueued_at, payload)
                VALUES ('%s', 2, 0, 2, 0, 'm2'::bytea)""".formatted(ID));
        sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE datname = current_database() AND pid <> pg_backend_pid()");

        Long id = await("an enqueue is stored again").atMost(Duration.ofSeconds(30)).until(() -> {
            try {
                return enqueue(store, "m3", null).id();
            } catch (CompletionException e) {
                return null;
            }
        }, Objects::nonNull);
        assertEquals(3, id, "ids go on after what the database holds");
        assertEquals(1, sql("SELECT count(*) FROM outbox_message WHERE id = 3"));
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
