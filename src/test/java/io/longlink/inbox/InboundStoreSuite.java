package io.longlink.inbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.longlink.config.LonglinkConfig;
import io.longlink.store.StoreDatabase;
import io.longlink.testing.MovableClock;
import io.longlink.testing.TestStoreSettings;

/** Inbound logs on a real SQLite file in {@code target/}: reopened to play a restart, read beyond the cache. */
abstract class InboundStoreSuite {

    protected static final String ID = "feed";

    protected Path file;
    protected final MovableClock clock = new MovableClock();
    protected final List<StoreDatabase> opened = new ArrayList<>();

    @BeforeEach
    void newFile() throws IOException {
        Path target = Files.createDirectories(Path.of("target", "test-stores"));
        file = Files.createTempDirectory(target, "inbound-").resolve("longlink.db");
    }

    @AfterEach
    void closeAll() {
        opened.forEach(StoreDatabase::close);
    }

    @Test
    void seqGoesOnAcrossRestartsAndOldPagesComeFromDisk() {
        InboundSettings settings = new InboundSettings(1000, Duration.ofDays(7), 10);
        InboundLog log = open(settings);
        for (int i = 1; i <= 100; i++) {
            log.appendText("m" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> read(log, 99, 10).size() == 1);
        opened.remove(0).close();

        InboundLog again = open(settings);
        List<InboundMessage> old = read(again, 5, 3);
        assertEquals(List.of(6L, 7L, 8L), old.stream().map(InboundMessage::seq).toList());
        assertEquals("m6", old.get(0).data());
        assertEquals(List.of(100L), read(again, 99, 10).stream().map(InboundMessage::seq).toList());
        again.appendBinary(new byte[] { 1, 2 });
        await().atMost(Duration.ofSeconds(10)).until(() -> read(again, 100, 10).size() == 1);
        InboundMessage binary = read(again, 100, 10).get(0);
        assertEquals(101, binary.seq());
        assertEquals("binary", binary.type());
        assertEquals("AQI=", binary.data());
        assertEquals(Optional.of("m100"), again.newestText(text -> text.startsWith("m")));
    }

    @Test
    void retentionByCountAndAgeHoldsForReadsAndOnDisk() throws Exception {
        InboundSettings settings = new InboundSettings(5, Duration.ofMinutes(10), 2);
        InboundLog log = open(settings);
        log.appendText("old");
        clock.advance(Duration.ofMinutes(11));
        for (int i = 1; i <= 3; i++) {
            log.appendText("new" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> read(log, 3, 10).size() == 1);
        assertEquals(List.of("new1", "new2", "new3"), read(log, 0, 10).stream().map(InboundMessage::data).toList());
        for (int i = 4; i <= 8; i++) {
            log.appendText("new" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> read(log, 8, 10).size() == 1);
        assertEquals(List.of("new4", "new5", "new6", "new7", "new8"),
                read(log, 0, 10).stream().map(InboundMessage::data).toList());
        await().atMost(Duration.ofSeconds(10)).until(() -> rows() == 5);
    }

    @Test
    void retentionDeletesALargeBacklogOnDiskInBoundedSteps() throws Exception {
        InboundLog log = open(new InboundSettings(10, Duration.ofDays(7), 10));
        int count = SqlInboundStorage.PRUNE_ROWS * 2 + 100;
        for (int i = 1; i <= count; i++) {
            log.appendText("m" + i);
        }
        // appends are stored by the writer in the background: wait for the last one before counting what is left,
        // or a prune step between two of its commits could leave 10 rows for a moment
        await().atMost(Duration.ofSeconds(20)).until(() -> read(log, count - 1, 10).size() == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> rows() == 10);
        assertEquals("m" + count, read(log, count - 1, 10).get(0).data());
    }

    /** A database (not started) with these store settings. */
    protected abstract StoreDatabase database(TestStoreSettings settings);

    /** Rows in {@code inbound_message} of the test's database. */
    protected abstract long rows() throws Exception;

    protected InboundLog open(InboundSettings settings) {
        return open(settings, LonglinkConfig.StoreSync.NORMAL);
    }

    protected InboundLog open(InboundSettings settings, LonglinkConfig.StoreSync sync) {
        StoreDatabase database = database(TestStoreSettings.at(file.toString()).withSync(sync));
        InboundStore store = InboundStore.durable(database, id -> settings, clock);
        database.start();
        opened.add(database);
        if (database.dialect() == io.longlink.store.Dialect.POSTGRESQL) {
            database.claim(ID).toCompletableFuture().join();
        }
        return store.log(ID);
    }

    protected static List<InboundMessage> read(InboundLog log, long after, int limit) {
        return log.read(after, limit).toCompletableFuture().join();
    }
}
