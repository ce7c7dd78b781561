package io.longlink.inbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The newest inbound messages of one log, consecutive by seq, in a ring indexed by seq: adding, dropping the
 * oldest and finding a seq cost O(1), a page costs O(page), and the first message not older than a cut-off is found
 * by binary search (messages are numbered in arrival order, so their {@code receivedAt} grows with their seq). The
 * ring doubles when it is full and nothing may be dropped, and never shrinks.
 *
 * <p>Not thread-safe: its {@link InboundLog} guards it.
 */
final class InboundWindow {

    private static final int INITIAL_CAPACITY = 16;

    private InboundMessage[] ring;
    /** Seq of the oldest message held; {@code next} when empty. */
    private long first;
    /** Seq the next message added must have. */
    private long next;

    /** An empty window whose first message will be {@code nextSeq}. */
    InboundWindow(long nextSeq) {
        this.ring = new InboundMessage[INITIAL_CAPACITY];
        this.first = nextSeq;
        this.next = nextSeq;
    }

    /** Drops everything; the next message added is {@code nextSeq}. */
    void clear(long nextSeq) {
        Arrays.fill(ring, null);
        first = nextSeq;
        next = nextSeq;
    }

    int size() {
        return (int) (next - first);
    }

    boolean isEmpty() {
        return next == first;
    }

    /** Seq of the oldest message held (the next one's when empty). */
    long firstSeq() {
        return first;
    }

    /** Adds the message that follows the newest one. */
    void add(InboundMessage message) {
        if (message.seq() != next) {
            throw new IllegalArgumentException("seq " + message.seq() + " does not follow " + (next - 1));
        }
        if (size() == ring.length) {
            grow();
        }
        ring[index(next)] = message;
        next++;
    }

    /** Drops the oldest message. */
    void dropOldest() {
        ring[index(first)] = null;
        first++;
    }

    /** The message with this seq, which must be held. */
    InboundMessage get(long seq) {
        return ring[index(seq)];
    }

    /** The messages with {@code from <= seq <= to}, which must be held, oldest first. */
    List<InboundMessage> range(long from, long to) {
        List<InboundMessage> page = new ArrayList<>((int) Math.max(0, to - from + 1));
        for (long seq = from; seq <= to; seq++) {
            page.add(ring[index(seq)]);
        }
        return page;
    }

    /**
     * The smallest seq in {@code [from, to]} (both held) whose message was received at or after {@code cutoff}, or
     * {@code to + 1} when none was.
     */
    long firstReceivedSince(Instant cutoff, long from, long to) {
        long lo = from;
        long hi = to + 1;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (get(mid).receivedAt().isBefore(cutoff)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private int index(long seq) {
        return (int) (seq & (ring.length - 1));
    }

    private void grow() {
        InboundMessage[] bigger = new InboundMessage[ring.length * 2];
        for (long seq = first; seq < next; seq++) {
            bigger[(int) (seq & (bigger.length - 1))] = ring[index(seq)];
        }
        ring = bigger;
    }
}
