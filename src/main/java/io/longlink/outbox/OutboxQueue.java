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
 * holds it, so a sender never sees a message that a crash could lose. A waiting message whose time to live ran
 * out is moved to {@link MessageState#EXPIRED} when it reaches the head instead of being handed out.
 *
 * <p>All fields are guarded by {@code this}; no method does I/O or calls out, so every method may run on the
 * event loop.
 */
final class OutboxQueue {

    /** A waiting message and when it expires ({@code null}: never). */
    record Waiting(OutboundMessage message, Instant expiresAt) {
        boolean expiredAt(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }
    }

    /** What {@link #head} found: the messages to send, and the ids of those it moved to EXPIRED on the way. */
    record Head(List<OutboundMessage> batch, List<Long> expired) {
    }

    private final String connectionId;
    private final int retainDone;
    /** Messages waiting, oldest (lowest id) first. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** The same messages by id, for lookups. */
    private final Map<Long, Waiting> waitingById = new HashMap<>();
    /** States of messages that left the queue, oldest first, at most {@code retainDone}. */
    private final LinkedHashMap<Long, MessageStatus> done = new LinkedHashMap<>();
    /** Highest id whose state was forgotten to respect {@code retainDone}; 0 while none was. */
    private long forgottenUpTo;

    OutboxQueue(String connectionId, int retainDone) {
        this.connectionId = connectionId;
        this.retainDone = retainDone;
    }

    /** Appends a stored message; ids must grow. */
    synchronized void append(OutboundMessage message, Instant expiresAt) {
        Waiting entry = new Waiting(message, expiresAt);
        waiting.addLast(entry);
        waitingById.put(message.id(), entry);
    }

    /** Restores the state of a message that had already left the queue before a restart; ids must grow. */
    synchronized void restoreDone(MessageStatus status) {
        remember(Long.parseLong(status.id()), status);
    }

    /**
     * Up to {@code max} messages at the head, oldest first, nothing removed; expired ones met on the way leave
     * the queue as EXPIRED and are reported so that a durable store can record it.
     */
    synchronized Head head(int max, Instant now) {
        List<OutboundMessage> batch = new ArrayList<>(Math.min(max, waiting.size()));
        List<Long> expired = List.of();
        var it = waiting.iterator();
        while (batch.size() < max && it.hasNext()) {
            Waiting entry = it.next();
            if (entry.expiredAt(now)) {
                if (expired.isEmpty()) {
                    expired = new ArrayList<>();
                }
                it.remove();
                waitingById.remove(entry.message().id());
                expired.add(entry.message().id());
                remember(entry.message().id(), status(entry, MessageState.EXPIRED, null));
            } else {
                batch.add(entry.message());
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

    /** Messages waiting, including expired ones not yet met by {@link #head}. */
    synchronized int size() {
        return waiting.size();
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
        OutboundMessage m = entry.message();
        return new MessageStatus(Long.toString(m.id()), state, m.enqueuedAt(), sentAt);
    }
}
