package io.longlink.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.longlink.store.StoreDatabase;
import io.longlink.store.StoreUnavailableException;
import io.longlink.testing.MovableClock;
import io.longlink.testing.TestStoreSettings;

/**
 * What every durable outbox store does, on a real database: reopened to play a restart, filled, broken. One
 * subclass per database (SQLite file, PostgreSQL server); a PostgreSQL store loads a connection when this instance
 * claims it, so each open here claims the test connection as a cluster member would.
 */
abstract class OutboxStoreSuite {

    protected static final String ID = "conn";
    protected static final int CAPACITY = 1000;

    protected Path dir;
    protected final MovableClock clock = new MovableClock();
    protected final List<StoreDatabase> opened = new ArrayList<>();
    protected final Map<SqlOutboxStore, StoreDatabase> databases = new HashMap<>();

    @BeforeEach
    void newDirectory() throws IOException {
        Path target = Files.createDirectories(Path.of("target", "test-stores"));
        dir = Files.createTempDirectory(target, "unit-");
    }

    @AfterEach
    void closeStores() {
        opened.forEach(StoreDatabase::close);
    }

    @Test
    void restartResumesTheQueueInOrderAndKeepsStates() {
        SqlOutboxStore store = open(settings());
        for (int i = 1; i <= 10; i++) {
            assertEquals(i, enqueue(store, "m" + i, null).id());
        }
        store.markSent(ID, head(store, 3), clock.instant());
        close(store);

        SqlOutboxStore again = open(settings());
        List<OutboundMessage> head = head(again, 100);
        assertEquals(List.of("m4", "m5", "m6", "m7", "m8", "m9", "m10"), texts(head));
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L, 10L), head.stream().map(OutboundMessage::id).toList());
        assertEquals(MessageState.SENT, again.find(ID, 2).orElseThrow().state());
        assertEquals(MessageState.QUEUED, again.find(ID, 4).orElseThrow().state());
        assertEquals(11, enqueue(again, "m11", null).id());
    }

    @Test
    void idsKeepGrowingAfterEverySentRowWasPruned() throws Exception {
        SqlOutboxStore store = open(settings().withLimits(0, CAPACITY, Long.MAX_VALUE));
        enqueue(store, "a", null);
        enqueue(store, "b", null);
        store.markSent(ID, head(store, 10), clock.instant());
        // no row is left to tell the last id
        await().atMost(Duration.ofSeconds(10)).until(() -> sql("SELECT count(*) FROM outbox_message") == 0);
        close(store);

        SqlOutboxStore again = open(settings().withLimits(0, CAPACITY, Long.MAX_VALUE));
        assertTrue(again.find(ID, 1).isEmpty());
        assertEquals(3, enqueue(again, "c", null).id());
    }

    @Test
    void idsGoOnFromTheLastCommittedRowAndAfterADiscard() throws Exception {
        SqlOutboxStore store = open(settings());
        for (int i = 1; i <= 5; i++) {
            enqueue(store, "m" + i, null);
        }
        close(store);

        SqlOutboxStore again = open(settings());
        assertEquals(6, enqueue(again, "m6", null).id(), "the rows tell the last id");
        again.discard(ID);
        await().atMost(Duration.ofSeconds(10)).until(() -> sql("SELECT count(*) FROM outbox_message") == 0);
        close(again);

        SqlOutboxStore recreated = open(settings());
        assertEquals(0, recreated.queued(ID));
        assertEquals(7, enqueue(recreated, "first of the new one", null).id(), "ids never go back");
    }

    @Test
    void concurrentEnqueuesShareTransactions() {
        SqlOutboxStore store = open(settings());
        long before = databases.get(store).commits();
        List<CompletableFuture<Enqueued>> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            all.add(store.enqueue(request("m" + i, null, null)).toCompletableFuture());
        }
        all.forEach(CompletableFuture::join);
        long commits = databases.get(store).commits() - before;
        assertTrue(commits < 250, "500 enqueues took " + commits + " commits");
        assertEquals(500, store.queued(ID));
    }

    @Test
    void idempotencyKeyAnswersTheFirstMessageAcrossRestarts() {
        SqlOutboxStore store = open(settings());
        Enqueued first = enqueue(store, "once", "key-1");
        CompletionStage<Enqueued> sameBatchA = store.enqueue(request("twice", "key-2", null));
        CompletionStage<Enqueued> sameBatchB = store.enqueue(request("twice again", "key-2", null));
        assertEquals(join(sameBatchA).id(), join(sameBatchB).id());
        assertEquals(first.id(), enqueue(store, "once more", "key-1").id());
        close(store);

        SqlOutboxStore again = open(settings());
        assertEquals(first.id(), enqueue(again, "after restart", "key-1").id());
        assertEquals(List.of("once", "twice"), texts(head(again, 10)));
    }

    @Test
    void capacityIsCountedOnStoredMessagesAndRejectsWithoutStoring() {
        SqlOutboxStore store = open(settings().withLimits(100, 3, Long.MAX_VALUE));
        for (int i = 0; i < 3; i++) {
            join(store.enqueue(new EnqueueRequest(ID, false, bytes("m" + i), null)));
        }
        Throwable full = failure(store.enqueue(new EnqueueRequest(ID, false, bytes("over"), null)));
        assertInstanceOf(OutboxFullException.class, full);
        close(store);

        SqlOutboxStore again = open(settings().withLimits(100, 3, Long.MAX_VALUE));
        assertEquals(3, again.queued(ID));
        assertInstanceOf(OutboxFullException.class,
                failure(again.enqueue(new EnqueueRequest(ID, false, bytes("over"), null))));
        assertEquals(List.of("m0", "m1", "m2"), texts(head(again, 10)));
    }

    @Test
    void aMessagePastItsTimeToLiveExpiresInsteadOfBeingSent() {
        SqlOutboxStore store = open(settings());
        Enqueued shortLived = join(store.enqueue(request("late", null, Duration.ofSeconds(10))));
        enqueue(store, "on time", null);
        clock.advance(Duration.ofSeconds(11));
        assertEquals(MessageState.EXPIRED, store.find(ID, shortLived.id()).orElseThrow().state());
        assertEquals(List.of("on time"), texts(head(store, 10)));
        close(store);

        SqlOutboxStore again = open(settings());
        assertEquals(MessageState.EXPIRED, again.find(ID, shortLived.id()).orElseThrow().state());
        assertEquals(List.of("on time"), texts(head(again, 10)));
    }

    @Test
    void headReadsPayloadsFromDiskAWindowAtATime() {
        SqlOutboxStore store = open(withWindow(settings(), 2500));
        for (int i = 0; i < 5; i++) {
            join(store.enqueue(new EnqueueRequest(ID, true, new byte[1000], null)));
        }
        assertEquals(List.of(1L, 2L), head(store, 64).stream().map(OutboundMessage::id).toList());
        assertEquals(1000, head(store, 64).get(0).payload().length);
        SqlOutboxStore single = open(settings().withStore(settings().store().withPath(dir.resolve("single.db").toString()).withReadWindow(10)), "single");
        join(single.enqueue(new EnqueueRequest(ID, true, new byte[1000], null)));
        assertEquals(1, head(single, 64).size(), "a message larger than the window still goes out alone");
    }

    @Test
    void payloadsWithinTheReadWindowAreHeldInMemoryAndTheOthersReadFromDisk() throws Exception {
        SqlOutboxStore store = open(withWindow(settings(), 2500));
        for (int i = 1; i <= 4; i++) {
            join(store.enqueue(new EnqueueRequest(ID, true, filled(i), null)));
        }
        // the file loses every payload behind the store's back: the held ones (2000 of 2500 bytes) still go out
        assertEquals(4, sql("UPDATE outbox_message SET payload = NULL"));
        List<OutboundMessage> held = head(store, 64);
        assertEquals(List.of(1L, 2L), held.stream().map(OutboundMessage::id).toList());
        assertArrayEquals(filled(1), held.get(0).payload());
        assertArrayEquals(filled(2), held.get(1).payload());
        store.markSent(ID, held, clock.instant());
        assertNotNull(failure(store.head(ID, 64)), "3 and 4 did not fit: they are read from the file, which lost them");
    }

    @Test
    void aBacklogBeyondTheHeldPayloadsGoesOutInOrderFromMemoryAndDiskAlike() {
        SqlOutboxStore store = open(withWindow(settings(), 2500));
        for (int i = 1; i <= 5; i++) {
            join(store.enqueue(new EnqueueRequest(ID, true, filled(i), null)));
        }
        List<OutboundMessage> first = head(store, 64);
        store.markSent(ID, first, clock.instant());
        // sending 1 and 2 made room: 6 is held, while 3, 4 and 5 are still only on disk
        join(store.enqueue(new EnqueueRequest(ID, true, filled(6), null)));
        List<OutboundMessage> second = head(store, 64);
        store.markSent(ID, second, clock.instant());
        List<OutboundMessage> third = head(store, 64);
        List<OutboundMessage> all = new ArrayList<>(first);
        all.addAll(second);
        all.addAll(third);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), all.stream().map(OutboundMessage::id).toList());
        for (OutboundMessage m : all) {
            assertArrayEquals(filled((int) m.id()), m.payload(), "payload of " + m.id());
        }
    }

    @Test
    void upkeepDeletesALargeBacklogOfSentRowsInBoundedSteps() throws Exception {
        int retained = 10;
        SqlOutboxStore store = open(settings().withLimits(retained, 100_000, Long.MAX_VALUE));
        int count = OutboxTables.TIDY_ROWS * 2 + 100;
        List<EnqueueRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(request("m" + i, null, null));
        }
        join(store.enqueueAll(ID, requests));
        while (store.queued(ID) > 0) {
            store.markSent(ID, head(store, 1000), clock.instant());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> sql("SELECT count(*) FROM outbox_message") == retained);
        assertEquals(0, sql("SELECT count(*) FROM outbox_message WHERE payload IS NOT NULL"),
                "the sent rows that stay have no payload");
        assertEquals(count - retained + 1, sql("SELECT min(id) FROM outbox_message"));
        assertEquals(MessageState.SENT, store.find(ID, count).orElseThrow().state());
    }

    @Test
    void sentRowsAreTidiedSoonAfterTheirMarkNotAtTheNextMaintenance() throws Exception {
        Settings base = settings().withLimits(10, CAPACITY, Long.MAX_VALUE);
        // the first maintenance is an hour away: only the commit of the marks can bring the tidy step
        SqlOutboxStore store = open(base.withStore(base.store().withMaintenanceInterval(Duration.ofHours(1))));
        for (int i = 1; i <= 50; i++) {
            enqueue(store, "m" + i, null);
        }
        store.markSent(ID, head(store, 100), clock.instant());
        await().atMost(Duration.ofSeconds(10)).until(() -> sql("SELECT count(*) FROM outbox_message") == 10);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> sql("SELECT count(*) FROM outbox_message WHERE payload IS NOT NULL") == 0);
        assertEquals(41, sql("SELECT min(id) FROM outbox_message"));
        assertEquals(MessageState.SENT, store.find(ID, 50).orElseThrow().state());
    }

    private static byte[] filled(int value) {
        byte[] bytes = new byte[1000];
        java.util.Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void maxBytesRefusesWithoutStoringAndCountsOnlyWaitingMessages() {
        SqlOutboxStore store = open(settings().withLimits(100, CAPACITY, 2500));
        join(store.enqueue(new EnqueueRequest(ID, true, new byte[1000], null)));
        join(store.enqueue(new EnqueueRequest(ID, true, new byte[1000], null)));
        Throwable full = failure(store.enqueue(new EnqueueRequest(ID, true, new byte[1000], null)));
        assertInstanceOf(OutboxFullException.class, full);
        assertTrue(full.getMessage().contains("outbox.max-bytes"), full.getMessage());
        assertEquals(2, store.queued(ID));
        store.markSent(ID, head(store, 1), clock.instant());
        assertEquals(3, join(store.enqueue(new EnqueueRequest(ID, true, new byte[1000], null))).id());
    }

    @Test
    void sentIsOneMarkPerBatchAndUpkeepDropsSentPayloads() throws Exception {
        SqlOutboxStore store = open(settings());
        for (int i = 0; i < 100; i++) {
            enqueue(store, "m" + i, null);
        }
        Instant first = clock.instant();
        store.markSent(ID, head(store, 64), first);
        clock.advance(Duration.ofSeconds(1));
        store.markSent(ID, head(store, 30), clock.instant());
        await().atMost(Duration.ofSeconds(10)).until(() -> sql("SELECT count(*) FROM outbox_message WHERE payload IS NOT NULL") == 6);
        assertEquals(2, sql("SELECT count(*) FROM outbox_message WHERE sent_at IS NOT NULL"), "one mark per batch");
        close(store);

        SqlOutboxStore again = open(settings());
        assertEquals(MessageState.SENT, again.find(ID, 1).orElseThrow().state());
        assertEquals(first, again.find(ID, 64).orElseThrow().sentAt());
        assertEquals(first.plusSeconds(1), again.find(ID, 65).orElseThrow().sentAt());
        assertEquals(List.of(95L, 96L, 97L, 98L, 99L, 100L), head(again, 64).stream().map(OutboundMessage::id).toList());
    }

    @Test
    void aRepeatedKeyAnswersTheStateOfTheFirstMessage() {
        SqlOutboxStore store = open(settings());
        Enqueued first = enqueue(store, "once", "key");
        assertEquals(MessageState.QUEUED, enqueue(store, "again", "key").state());
        store.markSent(ID, head(store, 10), clock.instant());
        assertEquals(new Enqueued(first.id(), MessageState.SENT), enqueue(store, "again", "key"));
    }

    @Test
    void anUnexpectedFailureInTheWriterRollsBackAndKeepsTheSentMarks() throws Exception {
        SqlOutboxStore store = open(settings());
        StoreDatabase database = databases.get(store);
        enqueue(store, "a", null);
        enqueue(store, "b", null);
        java.util.concurrent.CountDownLatch hold = holdWriter(database);
        // queued behind the job that holds the writer, so these three share the next transaction
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        database.submit(new TestJob(() -> {
            if (failures.getAndIncrement() == 0) {
                throw new IllegalStateException("a bug");
            }
        }));
        store.markSent(ID, head(store, 10), clock.instant());
        CompletionStage<Enqueued> refused = store.enqueue(request("c", null, null));
        hold.countDown();
        assertInstanceOf(StoreUnavailableException.class, failure(refused));
        await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 2 && database.writable());
        close(store);
        SqlOutboxStore again = open(settings());
        assertEquals(0, again.queued(ID));
        assertEquals(MessageState.SENT, again.find(ID, 2).orElseThrow().state());
    }

    /**
     * A cluster instance that lost a connection while the database was down and won it back: the sent marks it kept,
     * its release and its new claim reach the writer together. The claim must see the marks (they are written first,
     * in a transaction of their own): else it loads those messages as waiting, the marks' commit then lets upkeep
     * clear their payloads, and the head is stuck on a message without one.
     */
    @Test
    void aClaimAfterKeptSentMarksLoadsThemAsSent() throws Exception {
        SqlOutboxStore store = open(settings());
        StoreDatabase database = databases.get(store);
        enqueue(store, "a", null);
        enqueue(store, "b", null);
        enqueue(store, "c", null);
        java.util.concurrent.CountDownLatch hold = holdWriter(database);
        // queued behind the job that holds the writer: the mark, the release and the claim reach it together
        store.markSent(ID, head(store, 2), clock.instant());
        database.release(ID);
        CompletionStage<Void> claimed = database.claim(ID);
        hold.countDown();
        join(claimed);
        // upkeep clears the payloads the marks cover (a, b); the claim must not have loaded them as waiting
        await().atMost(Duration.ofSeconds(10)).until(() -> sql("SELECT count(*) FROM outbox_message WHERE payload IS NULL") == 2);
        List<OutboundMessage> head = head(store, 10);
        assertEquals(List.of("c"), head.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList());
        assertEquals(MessageState.SENT, store.find(ID, 1).orElseThrow().state());
        assertEquals(1, store.queued(ID));
    }

    /**
     * Holds {@code database}'s writer inside a transaction until the returned latch is counted down, so that the jobs
     * submitted meanwhile reach it together.
     */
    private static java.util.concurrent.CountDownLatch holdWriter(StoreDatabase database) throws InterruptedException {
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        database.submit(new TestJob(() -> {
            holding.countDown();
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        holding.await();
        return hold;
    }

    /** A job that runs {@code action} as its write and is kept when its transaction fails. */
    private record TestJob(Runnable action) implements io.longlink.store.StoreJob.Kept {
        @Override
        public void write(io.longlink.store.Transaction tx) {
            action.run();
        }
    }

    /** The first number {@code query} answers, on the test's main database. */
    /** A query's single number, or an update's count of rows. */
    protected abstract long sql(String query) throws java.sql.SQLException;

    /** A database (not started) with the store settings of {@code settings}; {@code name} tells one from another. */
    protected abstract StoreDatabase database(Settings settings, String name);

    // --- helpers ---

    protected SqlOutboxStore open(Settings settings) {
        return open(settings, "longlink");
    }

    private SqlOutboxStore open(Settings settings, String name) {
        StoreDatabase database = database(settings, name);
        SqlOutboxStore store = new SqlOutboxStore(database, settings.store(),
                id -> new OutboxSettings(settings.capacity(), settings.maxBytes(), settings.retainSent(), Duration.ofSeconds(1)),
                clock);
        database.start();
        opened.add(database);
        databases.put(store, database);
        if (database.dialect() == io.longlink.store.Dialect.POSTGRESQL && database.writable()) {
            join(database.claim(ID));
        }
        return store;
    }

    protected void close(SqlOutboxStore store) {
        databases.get(store).close();
    }

    protected static List<OutboundMessage> head(OutboxStore store, int max) {
        return join(store.head(ID, max));
    }

    protected static Settings withWindow(Settings settings, long bytes) {
        return settings.withStore(settings.store().withReadWindow(bytes));
    }

    protected Settings settings() {
        return new Settings(TestStoreSettings.at(dir.resolve("longlink.db").toString()).withReadWindow(Long.MAX_VALUE),
                100, CAPACITY, Long.MAX_VALUE);
    }

    protected Enqueued enqueue(OutboxStore store, String text, String key) {
        return join(store.enqueue(request(text, key, null)));
    }

    protected static EnqueueRequest request(String text, String key, Duration ttl) {
        return new EnqueueRequest(ID, false, bytes(text), key, ttl);
    }

    protected static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    protected static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    protected static Throwable failure(CompletionStage<?> stage) {
        try {
            join(stage);
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the enqueue to fail");
    }

    protected static List<String> texts(List<OutboundMessage> messages) {
        return messages.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList();
    }

    /** The store's settings and the connection's outbox limits. */
    record Settings(TestStoreSettings store, int retainSent, int capacity, long maxBytes) {

        Settings withStore(TestStoreSettings newStore) {
            return new Settings(newStore, retainSent, capacity, maxBytes);
        }

        Settings withLimits(int newRetainSent, int newCapacity, long newMaxBytes) {
            return new Settings(store, newRetainSent, newCapacity, newMaxBytes);
        }
    }
}
