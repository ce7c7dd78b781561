package io.longlink.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.longlink.testing.MovableClock;

/**
 * The log in memory: pages come from its ring window by seq, across the ring's growth and wrap-around; the age
 * cut-off skips every expired message (not only a page of them); listeners are only told, never read inside the
 * append.
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

    private static List<InboundMessage> read(InboundLog log, long after, int limit) {
        return log.read(after, limit).toCompletableFuture().join();
    }
}
