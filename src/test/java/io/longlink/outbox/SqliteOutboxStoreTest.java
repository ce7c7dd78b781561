package io.longlink.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;

import io.longlink.store.StoreDatabase;
import io.longlink.store.StoreUnavailableException;

/** The outbox on a SQLite file in {@code target/}; plus what only a file can do: not exist, fill its disk. */
class SqliteOutboxStoreTest extends OutboxStoreSuite {

    @Override
    protected StoreDatabase database(Settings settings, String name) {
        return new StoreDatabase(settings.store(), clock);
    }

    @Override
    protected long sql(String query) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("longlink.db"));
                java.sql.Statement s = c.createStatement()) {
            if (!s.execute(query)) {
                return s.getUpdateCount();
            }
            try (java.sql.ResultSet row = s.getResultSet()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    @Test
    void withSyncNormalTheWalIsCopiedIntoTheFileWithoutWaitingForTheWriterThreshold() throws Exception {
        SqlOutboxStore store = open(settings());
        List<EnqueueRequest> requests = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            requests.add(new EnqueueRequest(ID, true, new byte[1000], null));
        }
        join(store.enqueueAll(ID, requests));
        // 300 kB is far below the writer's own checkpoint (4000 WAL pages): only the checkpointer thread copies it
        Path file = dir.resolve("longlink.db");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(file) > 300_000);
        assertEquals(300, store.queued(ID));
    }

    @Test
    void aFileOfThePreviousFormatKeepsItsMarksAndIdsAndGetsNewMarksInItsRows() throws Exception {
        Instant at = Instant.parse("2026-11-30T10:00:00Z");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("longlink.db"));
                java.sql.Statement s = c.createStatement()) {
            s.executeUpdate("""
                    CREATE TABLE outbox_message (connection TEXT NOT NULL, id INTEGER NOT NULL, is_binary INTEGER NOT NULL,
                        size INTEGER NOT NULL, enqueued_at INTEGER NOT NULL, expires_at INTEGER,
                        expired INTEGER NOT NULL DEFAULT 0, payload BLOB, PRIMARY KEY (connection, id)) WITHOUT ROWID""");
            s.executeUpdate("""
                    CREATE TABLE outbox_sent (connection TEXT NOT NULL, up_to INTEGER NOT NULL, sent_at INTEGER NOT NULL,
                        PRIMARY KEY (connection, up_to))""");
            s.executeUpdate("CREATE TABLE outbox_sequence (connection TEXT PRIMARY KEY, last_id INTEGER NOT NULL)");
            for (int id = 1; id <= 5; id++) {
                s.executeUpdate("INSERT INTO outbox_message (connection, id, is_binary, size, enqueued_at, payload) VALUES ('"
                        + ID + "', " + id + ", 0, 2, " + at.toEpochMilli() + ", X'6d" + (30 + id) + "')");
            }
            s.executeUpdate("INSERT INTO outbox_sent VALUES ('" + ID + "', 3, " + at.plusSeconds(1).toEpochMilli() + ")");
            s.executeUpdate("INSERT INTO outbox_sequence VALUES ('" + ID + "', 5)");
        }
        SqlOutboxStore store = open(settings());
        assertEquals(MessageState.SENT, store.find(ID, 2).orElseThrow().state());
        assertEquals(at.plusSeconds(1), store.find(ID, 3).orElseThrow().sentAt());
        assertEquals(List.of("m4", "m5"), texts(head(store, 10)));
        store.markSent(ID, head(store, 10), at.plusSeconds(2));
        assertEquals(6, enqueue(store, "m6", null).id());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> sql("SELECT count(*) FROM outbox_message WHERE sent_at IS NOT NULL") == 1);
        close(store);

        SqlOutboxStore again = open(settings());
        assertEquals(at.plusSeconds(1), again.find(ID, 1).orElseThrow().sentAt());
        assertEquals(at.plusSeconds(2), again.find(ID, 4).orElseThrow().sentAt());
        assertEquals(at.plusSeconds(2), again.find(ID, 5).orElseThrow().sentAt());
        assertEquals(List.of("m6"), texts(head(again, 10)));
        assertEquals(7, enqueue(again, "m7", null).id());
    }

    @Test
    void aStoreThatCannotBeCreatedRefusesMessages() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        SqlOutboxStore store = open(settings().withStore(settings().store().withPath(notADirectory.resolve("longlink.db").toString())));
        assertFalse(store.writable());
        assertInstanceOf(StoreUnavailableException.class, failure(store.enqueue(request("m", null, null))));
    }

    @Test
    void aFullDiskRefusesNewMessagesKeepsStoredOnesAndRecovers() {
        Settings small = settings().withStore(settings().store().withMaxSize(256 * 1024)).withLimits(0, CAPACITY, Long.MAX_VALUE);
        SqlOutboxStore store = open(small);
        byte[] big = new byte[8 * 1024];
        List<Long> stored = new ArrayList<>();
        Throwable refused = null;
        while (refused == null) {
            CompletionStage<Enqueued> attempt = store.enqueue(new EnqueueRequest(ID, true, big, null));
            try {
                stored.add(join(attempt).id());
            } catch (CompletionException e) {
                refused = e.getCause();
            }
        }
        assertInstanceOf(StoreUnavailableException.class, refused);
        assertFalse(store.writable());
        assertTrue(stored.size() > 5, "only " + stored.size() + " messages fit");
        assertEquals(stored, head(store, CAPACITY).stream().map(OutboundMessage::id).toList());

        store.markSent(ID, head(store, CAPACITY), clock.instant());
        await().atMost(Duration.ofSeconds(10)).until(store::writable);
        close(store);
        SqlOutboxStore again = open(small);
        assertEquals(0, again.queued(ID));
        assertEquals(stored.get(stored.size() - 1) + 1, enqueue(again, "fits again", null).id());
    }
}
