package io.longlink.inbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.longlink.testing.MovableClock;

/**
 * The log in memory: pages come from its ring window by seq, across the ring's growth and wrap-around; the age
 * cut-off skips every expired message (not only a page of them); listeners are only told, never read inside the
 * append; a durable store's last commit stays in memory until the next one, however large.
 */
class InboundLogTest {

    private final MovableClock clock = new MovableClock();

    @Test
    void pagesFollowOnAcrossTheRingsGrowthAndWrapAround() {
        InboundLog log = InboundStore.inMemory(id -> new InboundSettings(100, Duration.ofDays(1), 100), clock)
                .log("feed");
        for (int i = 1; i <= 1000; i++) {
            log.appendText("m" + i);
        }
        assertEquals(1000, log.lastSeq());
        List<Long> seqs = new ArrayList<>();
        long after = 0;
        for (List<InboundMessage> page = read(log, after, 30); !page.isEmpty(); page = read(log, after, 30)) {
            page.forEach(m -> seqs.add(m.seq()));
            after = page.get(page.size() - 1).seq();
        }
        List<Long> expected = new ArrayList<>();
        for (long seq = 901; seq <= 1000; seq++) {
            expected.add(seq);
        }
        assertEquals(expected, seqs, "the newest 100, in order, from a cursor behind the retention");
        assertEquals("m950", read(log, 949, 1).get(0).data());
    }

    @Test
    void aReaderBehindManyExpiredMessagesGetsTheFirstFreshOne() {
        InboundLog log = InboundStore.inMemory(id -> new InboundSettings(10_000, Duration.ofMinutes(10), 10_000),
                clock).log("feed");
        for (int i = 1; i <= 5000; i++) {
            log.appendText("old" + i);
        }
        clock.advance(Duration.ofMinutes(11));
        log.appendText("fresh1");
        log.appendText("fresh2");
        List<InboundMessage> page = read(log, 0, 10);
        assertEquals(List.of("fresh1", "fresh2"), page.stream().map(InboundMessage::data).toList());
        assertEquals(5001, page.get(0).seq());
    }

    @Test
    void onlyTheNewestCacheMessagesOfTheMemoryStoreKeepTheirEncodedEvent() {
        InboundLog log = InboundStore.inMemory(id -> new InboundSettings(100, Duration.ofDays(1), 10), clock)
                .log("feed");
        for (int i = 1; i <= 50; i++) {
            log.appendText("m" + i);
        }
        List<InboundMessage> all = read(log, 0, 100);
        assertEquals(50, all.size());
        all.forEach(InboundJson::event);
        assertNull(all.get(39).event(), "seq 40 cooled when seq 50 arrived: written for each reader, kept by none");
        assertNotNull(all.get(40).event(), "seq 41 is among the newest 10");
        byte[] kept = all.get(40).event();
        log.appendText("m51");
        assertNull(all.get(40).event(), "seq 41 cooled when seq 51 arrived");
        assertArrayEquals(kept, InboundJson.event(all.get(40)), "and is written the same");
        assertNull(all.get(40).event());
    }

    @Test
    void listenersAreToldAfterEachAppendAndReadOnTheirOwn() {
        InboundLog log = InboundStore.inMemory(id -> new InboundSettings(10, Duration.ofDays(1), 10), clock)
                .log("feed");
        AtomicInteger told = new AtomicInteger();
        log.addListener(told::incrementAndGet);
        log.appendText("a");
        log.appendBinary(new byte[] { 1 });
        assertEquals(2, told.get());
        assertEquals(List.of("a", "AQ=="), read(log, 0, 10).stream().map(InboundMessage::data).toList());
    }

    @Test
    void aCommitLargerThanTheCacheIsReadFromMemoryUntilTheNextCommit() {
        DiskStorage disk = new DiskStorage();
        InboundLog log = new InboundLog("feed", new InboundSettings(1000, Duration.ofDays(1), 10), disk, clock,
                () -> Long.MAX_VALUE);
        for (int i = 1; i <= 50; i++) {
            log.appendText("m" + i);
        }
        assertEquals(50, log.unwritten().size());
        log.committed(50);
        assertEquals(seqs(1, 50), read(log, 0, 100).stream().map(InboundMessage::seq).toList(),
                "the whole commit, though five times the cache");
        assertEquals(0, disk.reads.get());

        for (int i = 51; i <= 60; i++) {
            log.appendText("m" + i);
        }
        log.unwritten();
        log.committed(60);
        assertEquals(seqs(41, 60), read(log, 40, 100).stream().map(InboundMessage::seq).toList(),
                "the cache before the last commit, and the last commit");
        assertEquals(0, disk.reads.get());
        read(log, 39, 100);
        assertEquals(1, disk.reads.get(), "older than that: from the store");
    }

    private static List<Long> seqs(long from, long to) {
        List<Long> seqs = new ArrayList<>();
        for (long seq = from; seq <= to; seq++) {
            seqs.add(seq);
        }
        return seqs;
    }

    /** A durable store that writes nothing and counts the reads that reach it. */
    private static final class DiskStorage implements InboundStorage {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public int cacheSize(InboundSettings settings) {
            return settings.cache();
        }

        @Override
        public Tail tail(String connectionId) {
            return Tail.EMPTY;
        }

        @Override
        public void flush(InboundLog log) {
        }

        @Override
        public CompletionStage<List<InboundMessage>> read(String connectionId, long after, long upTo, int limit,
                Instant cutoff, long held) {
            reads.incrementAndGet();
            return CompletableFuture.completedFuture(List.of());
        }
    }

    private static List<InboundMessage> read(InboundLog log, long after, int limit) {
        return log.read(after, limit).toCompletableFuture().join();
    }
}
