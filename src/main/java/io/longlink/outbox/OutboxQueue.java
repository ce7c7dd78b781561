package io.longlink.outbox;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection's outbox as the sender and readers see it: the messages waiting, oldest first, and the
 * states of the latest messages that left it (sent or expired), at most {@code retainDone} of them.
 *
 * <p>Every store keeps one per connection. A durable store appends a message here only after the commit that
 * holds it, so a sender never sees a message that a crash could lose. The memory store keeps every payload here; a
 * durable one keeps payloads only while its queues' held payloads fit in one {@link Budget} (the store's read
 * window, for all its connections), so that a socket that keeps up sends without reading the disk, while a backlog
 * stays on disk (its messages are kept here by size only, and read a window at a time). A waiting message whose time to live ran out is moved to
 * {@link MessageState#EXPIRED} when it reaches the head instead of being handed out.
 *
 * <p>All fields are guarded by {@code this}; no method does I/O or calls out, so every method may run on the
 * event loop.
 */
final class OutboxQueue {

    /** A waiting message: its metadata, and its payload when it is held in memory (else null: read it from disk). */
    record Waiting(long id, boolean binary, int size, Instant enqueuedAt, Instant expiresAt, byte[] payload) {

        boolean expiredAt(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }

        OutboundMessage withPayload(byte[] bytes) {
            return new OutboundMessage(id, binary, bytes, enqueuedAt);
        }
    }

    /** What {@link #head} found: the messages to send, and the ids of those it moved to EXPIRED on the way. */
    record Head(List<Waiting> batch, List<Long> expired) {
    }

    private final String connectionId;
    private final int retainDone;
    /** Where held payloads are counted; a message appended beyond it is held by size only. Null: hold all. */
    private final Budget budget;
    /** The store forgot this queue and took its held payloads off the budget. */
    private boolean forgotten;
    /** Messages waiting, oldest (lowest id) first. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** The same messages by id, for lookups. */
    private final Map<Long, Waiting> waitingById = new HashMap<>();
    /** Sum of the sizes of the waiting messages. */
    private long waitingBytes;
    /** States of messages that left the queue, oldest first, at most {@code retainDone}. */
    private final Done done;
    /** Highest id whose state was forgotten to respect {@code retainDone}; 0 while none was. */
    private long forgottenUpTo;

    /** A queue that holds every payload it is given (the memory store). */
    OutboxQueue(String connectionId, int retainDone) {
        this(connectionId, retainDone, null);
    }

    /** A queue that holds the payloads it is given while {@code budget} has room (a durable store). */
    OutboxQueue(String connectionId, int retainDone, Budget budget) {
        this.connectionId = connectionId;
        this.retainDone = retainDone;
        this.budget = budget;
        this.done = new Done(retainDone);
    }

    /** Payload bytes that the queues of one store may hold in memory together. */
    static final class Budget {
        private final long limit;
        private final AtomicLong held = new AtomicLong();

        Budget(long limit) {
            this.limit = limit;
        }

        boolean take(int bytes) {
            long now;
            do {
                now = held.get();
                if (now + bytes > limit) {
                    return false;
                }
            } while (!held.compareAndSet(now, now + bytes));
            return true;
        }

        void give(int bytes) {
            held.addAndGet(-bytes);
        }
    }

    /** Appends a stored message, its payload dropped when the budget has no room for it; ids must grow. */
    synchronized void append(Waiting entry) {
        if (entry.payload() != null && budget != null && (forgotten || !budget.take(entry.size()))) {
            entry = new Waiting(entry.id(), entry.binary(), entry.size(), entry.enqueuedAt(), entry.expiresAt(), null);
        }
        waiting.addLast(entry);
        waitingById.put(entry.id(), entry);
        waitingBytes += entry.size();
    }

    /** The store forgets this queue (reloaded, released, discarded): its held payloads give their room back. */
    synchronized void forget() {
        if (budget != null && !forgotten) {
            for (Waiting entry : waiting) {
                if (entry.payload() != null) {
                    budget.give(entry.size());
                }
            }
        }
        forgotten = true;
    }

    /** A waiting message left the queue. */
    private void left(Waiting entry) {
        waitingBytes -= entry.size();
        if (entry.payload() != null && budget != null && !forgotten) {
            budget.give(entry.size());
        }
    }

    /** Restores the state of a message that had already left the queue before a restart; ids must grow. */
    synchronized void restoreDone(MessageStatus status) {
        remember(Long.parseLong(status.id()), status.state(), status.enqueuedAt(), status.sentAt());
    }

    /**
     * Messages at the head, oldest first, nothing removed: at most {@code max} of them and, beyond the first, at
     * most {@code maxBytes} in all. Expired ones met on the way leave the queue as EXPIRED and are reported so that
     * a durable store can record it.
     */
    synchronized Head head(int max, long maxBytes, Instant now) {
        List<Waiting> batch = new ArrayList<>(Math.min(max, waiting.size()));
        List<Long> expired = List.of();
        long bytes = 0;
        var it = waiting.iterator();
        while (batch.size() < max && it.hasNext()) {
            Waiting entry = it.next();
            if (entry.expiredAt(now)) {
                if (expired.isEmpty()) {
                    expired = new ArrayList<>();
                }
                it.remove();
                waitingById.remove(entry.id());
                left(entry);
                expired.add(entry.id());
                remember(entry.id(), MessageState.EXPIRED, entry.enqueuedAt(), null);
            } else if (batch.isEmpty() || bytes + entry.size() <= maxBytes) {
                batch.add(entry);
                bytes += entry.size();
            } else {
                break;
            }
        }
        return new Head(batch, expired);
    }

    /**
     * The given messages, the non-expired head in order, were written to a socket at {@code at}.
     *
     * @return the highest id whose state is now forgotten (0 when none), so that a store can delete it
     */
    synchronized long markSent(List<OutboundMessage> messages, Instant at) {
        for (OutboundMessage m : messages) {
            Waiting entry = waitingById.remove(m.id());
            if (entry == null || !(waiting.peekFirst() == entry ? waiting.pollFirst() != null : waiting.remove(entry))) {
                throw new IllegalStateException("markSent of a message not waiting for " + connectionId + ": " + m.id());
            }
            left(entry);
            remember(m.id(), MessageState.SENT, entry.enqueuedAt(), at);
        }
        return forgottenUpTo;
    }

    synchronized Optional<MessageStatus> find(long id, Instant now) {
        Waiting entry = waitingById.get(id);
        if (entry != null) {
            return Optional.of(status(entry, entry.expiredAt(now) ? MessageState.EXPIRED : MessageState.QUEUED, null));
        }
        return Optional.ofNullable(done.find(id));
    }

    /**
     * The answer to a repeated idempotency key whose first message is {@code id}: its current state. A message
     * that left the queue so long ago that its state was forgotten was sent (or expired; which one is forgotten
     * with it), and answers SENT.
     */
    synchronized Enqueued repeatOf(long id, Instant now) {
        return new Enqueued(id, find(id, now).map(MessageStatus::state).orElse(MessageState.SENT));
    }

    /** Messages waiting, including expired ones not yet met by {@link #head}. */
    synchronized int size() {
        return waiting.size();
    }

    /** The id of the newest waiting message, 0 when none waits. */
    synchronized long newest() {
        Waiting last = waiting.peekLast();
        return last == null ? 0 : last.id();
    }

    /** Payload bytes of the messages counted by {@link #size}. */
    synchronized long bytes() {
        return waitingBytes;
    }

    private void remember(long id, MessageState state, Instant enqueuedAt, Instant sentAt) {
        long forgotten = done.add(id, state, enqueuedAt, sentAt);
        if (forgotten > 0) {
            forgottenUpTo = Math.max(forgottenUpTo, forgotten);
        }
    }

    private static MessageStatus status(Waiting entry, MessageState state, Instant sentAt) {
        return new MessageStatus(Long.toString(entry.id()), state, entry.enqueuedAt(), sentAt);
    }

    /**
     * The states of the latest messages that left the queue, oldest first, in parallel arrays used as a ring that
     * grows up to {@code capacity}: no object per message beyond the instants it already had. Ids come in growing
     * order, so a lookup is a binary search (a linear one should an id ever come out of order).
     */
    private static final class Done {
        private final int capacity;
        private long[] ids = new long[16];
        private MessageState[] states = new MessageState[16];
        private Instant[] enqueuedAt = new Instant[16];
        private Instant[] sentAt = new Instant[16];
        /** Slot of the oldest entry. */
        private int first;
        private int size;
        private boolean ordered = true;

        Done(int capacity) {
            this.capacity = capacity;
        }

        /** Adds an entry; returns the id it pushed out to respect the capacity, or 0. */
        long add(long id, MessageState state, Instant enqueued, Instant sent) {
            if (capacity <= 0) {
                return id;
            }
            long forgotten = 0;
            if (size == capacity) {
                forgotten = ids[first];
                first = (first + 1) % ids.length;
                size--;
            } else if (size == ids.length) {
                grow();
            }
            if (size > 0 && ids[slot(size - 1)] >= id) {
                ordered = false;
            }
            int at = slot(size);
            ids[at] = id;
            states[at] = state;
            enqueuedAt[at] = enqueued;
            sentAt[at] = sent;
            size++;
            return forgotten;
        }

        MessageStatus find(long id) {
            int found = ordered ? binarySearch(id) : linearSearch(id);
            if (found < 0) {
                return null;
            }
            int at = slot(found);
            return new MessageStatus(Long.toString(id), states[at], enqueuedAt[at], sentAt[at]);
        }

        private int binarySearch(long id) {
            int low = 0;
            int high = size - 1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                long value = ids[slot(mid)];
                if (value < id) {
                    low = mid + 1;
                } else if (value > id) {
                    high = mid - 1;
                } else {
                    return mid;
                }
            }
            return -1;
        }

        private int linearSearch(long id) {
            for (int i = size - 1; i >= 0; i--) {
                if (ids[slot(i)] == id) {
                    return i;
                }
            }
            return -1;
        }

        private int slot(int index) {
            return (first + index) % ids.length;
        }

        private void grow() {
            int length = (int) Math.min(capacity, Math.max(16L, ids.length * 2L));
            long[] newIds = new long[length];
            MessageState[] newStates = new MessageState[length];
            Instant[] newEnqueued = new Instant[length];
            Instant[] newSent = new Instant[length];
            for (int i = 0; i < size; i++) {
                int at = slot(i);
                newIds[i] = ids[at];
                newStates[i] = states[at];
                newEnqueued[i] = enqueuedAt[at];
                newSent[i] = sentAt[at];
            }
            ids = newIds;
            states = newStates;
            enqueuedAt = newEnqueued;
            sentAt = newSent;
            first = 0;
        }
    }
}
