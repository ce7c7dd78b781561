package io.longlink.outbox;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One connection's outbox as the sender and readers see it: the messages waiting, oldest first, and the
 * states of the latest messages that left it (sent or expired), at most {@code retainDone} of them.
 *
 * <p>Every store keeps one per connection. A durable store appends a message here only after the commit that
 * holds it, so a sender never sees a message that a crash could lose, and keeps no payload here (only its size):
 * payloads stay on disk and are read a window at a time. A waiting message whose time to live ran out is moved to
 * {@link MessageState#EXPIRED} when it reaches the head instead of being handed out.
 *
 * <p>All fields are guarded by {@code this}; no method does I/O or calls out, so every method may run on the
 * event loop.
 */
final class OutboxQueue {

    /** A waiting message: its metadata, and its payload when the store keeps payloads in memory (else null). */
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
    /** Messages waiting, oldest (lowest id) first. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** The same messages by id, for lookups. */
    private final Map<Long, Waiting> waitingById = new HashMap<>();
    /** Sum of the sizes of the waiting messages. */
    private long waitingBytes;
    /** States of messages that left the queue, oldest first, at most {@code retainDone}. */
    private final LinkedHashMap<Long, MessageStatus> done = new LinkedHashMap<>();
    /** Highest id whose state was forgotten to respect {@code retainDone}; 0 while none was. */
    private long forgottenUpTo;

    OutboxQueue(String connectionId, int retainDone) {
        this.connectionId = connectionId;
        this.retainDone = retainDone;
    }

    /** Appends a stored message; ids must grow. */
    synchronized void append(Waiting entry) {
        waiting.addLast(entry);
        waitingById.put(entry.id(), entry);
        waitingBytes += entry.size();
    }

    /** Restores the state of a message that had already left the queue before a restart; ids must grow. */
    synchronized void restoreDone(MessageStatus status) {
        remember(Long.parseLong(status.id()), status);
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
                waitingBytes -= entry.size();
                expired.add(entry.id());
                remember(entry.id(), status(entry, MessageState.EXPIRED, null));
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
            if (entry == null || !waiting.remove(entry)) {
                throw new IllegalStateException("markSent of a message not waiting for " + connectionId + ": " + m.id());
            }
            waitingBytes -= entry.size();
            remember(m.id(), status(entry, MessageState.SENT, at));
        }
        return forgottenUpTo;
    }

    synchronized Optional<MessageStatus> find(long id, Instant now) {
        Waiting entry = waitingById.get(id);
        if (entry != null) {
            return Optional.of(status(entry, entry.expiredAt(now) ? MessageState.EXPIRED : MessageState.QUEUED, null));
        }
        return Optional.ofNullable(done.get(id));
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

    /** Payload bytes of the messages counted by {@link #size}. */
    synchronized long bytes() {
        return waitingBytes;
    }

    private void remember(long id, MessageStatus status) {
        done.put(id, status);
        var it = done.keySet().iterator();
        while (done.size() > retainDone && it.hasNext()) {
            forgottenUpTo = Math.max(forgottenUpTo, it.next());
            it.remove();
        }
    }

    private static MessageStatus status(Waiting entry, MessageState state, Instant sentAt) {
        return new MessageStatus(Long.toString(entry.id()), state, entry.enqueuedAt(), sentAt);
    }
}
