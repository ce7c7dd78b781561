package io.longlink.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.longlink.config.LonglinkConfig;
import io.quarkus.runtime.configuration.MemorySize;

/** The SQLite store on a real file in {@code target/}: reopened to play a restart, filled, broken. */
class SqliteOutboxStoreTest {

    private static final String ID = "conn";
    private static final int CAPACITY = 1000;

    private Path dir;
    private final MutableClock clock = new MutableClock();
    private final List<SqliteOutboxStore> opened = new ArrayList<>();

    @BeforeEach
    void newDirectory() throws IOException {
        Path target = Files.createDirectories(Path.of("target", "test-stores"));
        dir = Files.createTempDirectory(target, "unit-");
    }

    @AfterEach
    void closeStores() {
        opened.forEach(SqliteOutboxStore::close);
    }

    @Test
    void restartResumesTheQueueInOrderAndKeepsStates() {
        SqliteOutboxStore store = open(settings());
        for (int i = 1; i <= 10; i++) {
            assertEquals(i, enqueue(store, "m" + i, null).id());
        }
        store.markSent(ID, store.head(ID, 3).toCompletableFuture().join(), clock.instant());
        store.close();

        SqliteOutboxStore again = open(settings());
        List<OutboundMessage> head = again.head(ID, 100).toCompletableFuture().join();
        assertEquals(List.of("m4", "m5", "m6", "m7", "m8", "m9", "m10"), texts(head));
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L, 10L), head.stream().map(OutboundMessage::id).toList());
        assertEquals(MessageState.SENT, again.find(ID, 2).orElseThrow().state());
        assertEquals(MessageState.QUEUED, again.find(ID, 4).orElseThrow().state());
        assertEquals(11, enqueue(again, "m11", null).id());
    }

    @Test
    void idsKeepGrowingAfterEverySentRowWasPruned() {
        SqliteOutboxStore store = open(settings().withRetainSent(0));
        enqueue(store, "a", null);
        enqueue(store, "b", null);
        store.markSent(ID, store.head(ID, 10).toCompletableFuture().join(), clock.instant());
        store.close();

        SqliteOutboxStore again = open(settings().withRetainSent(0));
        assertTrue(again.find(ID, 1).isEmpty());
        assertEquals(3, enqueue(again, "c", null).id());
    }

    @Test
    void concurrentEnqueuesShareTransactions() {
        SqliteOutboxStore store = open(settings());
        long before = store.commits();
        List<CompletableFuture<OutboundMessage>> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            all.add(store.enqueue(request("m" + i, null, null)).toCompletableFuture());
        }
        all.forEach(CompletableFuture::join);
        long commits = store.commits() - before;
        assertTrue(commits < 250, "500 enqueues took " + commits + " commits");
        assertEquals(500, store.queued(ID));
    }

    @Test
    void idempotencyKeyAnswersTheFirstMessageAcrossRestarts() {
        SqliteOutboxStore store = open(settings());
        OutboundMessage first = enqueue(store, "once", "key-1");
        CompletionStage<OutboundMessage> sameBatchA = store.enqueue(request("twice", "key-2", null));
        CompletionStage<OutboundMessage> sameBatchB = store.enqueue(request("twice again", "key-2", null));
        assertEquals(join(sameBatchA).id(), join(sameBatchB).id());
        assertEquals(first.id(), enqueue(store, "once more", "key-1").id());
        store.close();

        SqliteOutboxStore again = open(settings());
        assertEquals(first.id(), enqueue(again, "after restart", "key-1").id());
        assertEquals(List.of("once", "twice"), texts(again.head(ID, 10).toCompletableFuture().join()));
    }

    @Test
    void capacityIsCountedOnStoredMessagesAndRejectsWithoutStoring() {
        SqliteOutboxStore store = open(settings());
        for (int i = 0; i < 3; i++) {
            join(store.enqueue(new EnqueueRequest(ID, false, bytes("m" + i), null, 3)));
        }
        Throwable full = failure(store.enqueue(new EnqueueRequest(ID, false, bytes("over"), null, 3)));
        assertInstanceOf(OutboxFullException.class, full);
        store.close();

        SqliteOutboxStore again = open(settings());
        assertEquals(3, again.queued(ID));
        assertInstanceOf(OutboxFullException.class,
                failure(again.enqueue(new EnqueueRequest(ID, false, bytes("over"), null, 3))));
        assertEquals(List.of("m0", "m1", "m2"), texts(again.head(ID, 10).toCompletableFuture().join()));
    }

    @Test
    void aMessagePastItsTimeToLiveExpiresInsteadOfBeingSent() {
        SqliteOutboxStore store = open(settings());
        OutboundMessage shortLived = join(store.enqueue(request("late", null, Duration.ofSeconds(10))));
        enqueue(store, "on time", null);
        clock.advance(Duration.ofSeconds(11));
        assertEquals(MessageState.EXPIRED, store.find(ID, shortLived.id()).orElseThrow().state());
        assertEquals(List.of("on time"), texts(store.head(ID, 10).toCompletableFuture().join()));
        store.close();

        SqliteOutboxStore again = open(settings());
        assertEquals(MessageState.EXPIRED, again.find(ID, shortLived.id()).orElseThrow().state());
        assertEquals(List.of("on time"), texts(again.head(ID, 10).toCompletableFuture().join()));
    }

    @Test
    void aStoreThatCannotBeCreatedRefusesMessages() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        SqliteOutboxStore store = open(settings().withPath(notADirectory.resolve("longlink.db").toString()));
        assertFalse(store.writable());
        assertInstanceOf(OutboxUnavailableException.class, failure(store.enqueue(request("m", null, null))));
    }

    @Test
    void aFullDiskRefusesNewMessagesKeepsStoredOnesAndRecovers() {
        Settings small = settings().withMaxSize(new MemorySize(java.math.BigInteger.valueOf(256 * 1024))).withRetainSent(0);
        SqliteOutboxStore store = open(small);
        byte[] big = new byte[8 * 1024];
        List<Long> stored = new ArrayList<>();
        Throwable refused = null;
        while (refused == null) {
            CompletionStage<OutboundMessage> attempt = store.enqueue(new EnqueueRequest(ID, true, big, null, CAPACITY));
            try {
                stored.add(join(attempt).id());
            } catch (CompletionException e) {
                refused = e.getCause();
            }
        }
        assertInstanceOf(OutboxUnavailableException.class, refused);
        assertFalse(store.writable());
        assertTrue(stored.size() > 5, "only " + stored.size() + " messages fit");
        assertEquals(stored, store.head(ID, CAPACITY).toCompletableFuture().join().stream().map(OutboundMessage::id).toList());

        store.markSent(ID, store.head(ID, CAPACITY).toCompletableFuture().join(), clock.instant());
        await().atMost(Duration.ofSeconds(10)).until(store::writable);
        store.close();
        SqliteOutboxStore again = open(small);
        assertEquals(0, again.queued(ID));
        assertEquals(stored.get(stored.size() - 1) + 1, enqueue(again, "fits again", null).id());
    }

    // --- helpers ---

    private SqliteOutboxStore open(Settings settings) {
        SqliteOutboxStore store = new SqliteOutboxStore(settings, id -> settings.retainSent, clock);
        opened.add(store);
        return store;
    }

    private Settings settings() {
        return new Settings(dir.resolve("longlink.db").toString(), new MemorySize(java.math.BigInteger.ZERO), 100);
    }

    private OutboundMessage enqueue(OutboxStore store, String text, String key) {
        return join(store.enqueue(request(text, key, null)));
    }

    private static EnqueueRequest request(String text, String key, Duration ttl) {
        return new EnqueueRequest(ID, false, bytes(text), key, CAPACITY, ttl);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private static Throwable failure(CompletionStage<?> stage) {
        try {
            join(stage);
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the enqueue to fail");
    }

    private static List<String> texts(List<OutboundMessage> messages) {
        return messages.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList();
    }

    /** Store settings for tests: a short maintenance interval so recovery is quick. */
    record Settings(String path, MemorySize maxSize, int retainSent) implements LonglinkConfig.Store {

        Settings withPath(String newPath) {
            return new Settings(newPath, maxSize, retainSent);
        }

        Settings withMaxSize(MemorySize size) {
            return new Settings(path, size, retainSent);
        }

        Settings withRetainSent(int retain) {
            return new Settings(path, maxSize, retain);
        }

        @Override
        public LonglinkConfig.StoreKind kind() {
            return LonglinkConfig.StoreKind.SQLITE;
        }

        @Override
        public LonglinkConfig.StoreSync sync() {
            return LonglinkConfig.StoreSync.NORMAL;
        }

        @Override
        public int maxBatch() {
            return 1000;
        }

        @Override
        public Duration idempotencyRetention() {
            return Duration.ofHours(24);
        }

        @Override
        public int idempotencyKeys() {
            return 100_000;
        }

        @Override
        public Duration maintenanceInterval() {
            return Duration.ofMillis(100);
        }

        @Override
        public Duration retryAfter() {
            return Duration.ofSeconds(1);
        }
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2030-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
