package io.longlink.inbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.longlink.store.StoreDatabase;
import io.longlink.testing.MovableClock;
import io.longlink.testing.TestStoreSettings;
import io.longlink.webhook.WebhookCursors;

/**
 * Retention never deletes what a webhook has not delivered: on a real SQLite file, pruning stops at the stored
 * webhook cursor (and reads still return those messages), and moves on once the cursor moves; in memory, the log
 * keeps undelivered messages beyond {@code inbound.retain}.
 */
class RetentionHoldTest {

    private static final String ID = "feed";
    private static final Optional<URI> HOOK = Optional.of(URI.create("http://localhost:1/hook"));

    private final MovableClock clock = new MovableClock();
    private StoreDatabase database;

    @AfterEach
    void close() {
        if (database != null) {
            database.close();
        }
    }

    @Test
    void pruningOnDiskStopsAtTheWebhookCursor() throws IOException {
        Path target = Files.createDirectories(Path.of("target", "test-stores"));
        Path file = Files.createTempDirectory(target, "hold-").resolve("longlink.db");
        InboundSettings settings = new InboundSettings(5, Duration.ofMinutes(10), 2);
        database = new StoreDatabase(TestStoreSettings.at(file.toString()), clock);
        WebhookCursors cursors = WebhookCursors.durable(database, id -> HOOK);
        InboundLog log = InboundStore.durable(database, id -> settings, clock, cursors.retentionHold()).log(ID);
        database.start();
        for (int i = 1; i <= 20; i++) {
            log.appendText("m" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> log.lastSeq() == 20);
        cursors.save(ID, 8).toCompletableFuture().join();
        clock.advance(Duration.ofMinutes(11));
        // the store's upkeep runs every 100 ms: rows 1..8 go, 9..20 stay although older than retain-for and retain
        await().atMost(Duration.ofSeconds(10)).until(() -> rows(file) == 12);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> rows(file) == 12);
        assertEquals(List.of(9L, 10L, 11L), seqs(log.read(8, 3).toCompletableFuture().join()));
        cursors.save(ID, 20).toCompletableFuture().join();
        await().atMost(Duration.ofSeconds(10)).until(() -> rows(file) == 0);
    }

    @Test
    void memoryKeepsUndeliveredMessagesBeyondTheRetention() {
        InboundSettings settings = new InboundSettings(5, Duration.ofDays(1), 5);
        WebhookCursors cursors = WebhookCursors.inMemory(id -> HOOK);
        InboundLog log = InboundStore.inMemory(id -> settings, clock, cursors.retentionHold()).log(ID);
        for (int i = 1; i <= 20; i++) {
            log.appendText("m" + i);
        }
        assertEquals(20, log.read(0, 100).toCompletableFuture().join().size());
        cursors.save(ID, 18);
        log.appendText("m21");
        assertEquals(List.of(17L, 18L, 19L, 20L, 21L), seqs(log.read(0, 100).toCompletableFuture().join()));
    }

    private static List<Long> seqs(List<InboundMessage> messages) {
        return messages.stream().map(InboundMessage::seq).toList();
    }

    private static long rows(Path file) throws Exception {
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                var row = c.createStatement().executeQuery("SELECT count(*) FROM inbound_message")) {
            row.next();
            return row.getLong(1);
        }
    }
}
