package io.longlink.outbox;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The per-connection FIFO of messages waiting to be sent, and the states of messages already sent.
 *
 * <p>One sender per connection reads the head with {@link #head} and, once the socket write completed,
 * removes exactly those messages with {@link #markSent}. Enqueue may be called from any thread at any time.
 * {@link #head} may read payloads from disk: its stage completes off the calling thread, on the caller's Vert.x
 * context when it was called on one. {@link #markSent}, {@link #find} and {@link #queued} never do I/O and may run
 * on the event loop. {@link #enqueue} completes once the message is stored (for a durable store: committed).
 */
public interface OutboxStore {

    /**
     * Appends a message at the tail of its connection's queue. The stage fails with {@link OutboxFullException}
     * when the queue is at its capacity or byte limit, or with
     * {@link io.longlink.store.StoreUnavailableException} when the store cannot be written (nothing is stored
     * then). With an idempotency key already seen for the connection it completes with the first message's id
     * and current state instead. Never blocks the calling thread.
     */
    CompletionStage<Enqueued> enqueue(EnqueueRequest request);

    /**
     * Appends several messages of one connection at the tail, all or nothing: the stage completes with their ids
     * (contiguous, in order) once all are stored, or fails as {@link #enqueue} does with nothing stored, e.g. with
     * {@link OutboxFullException} when they do not all fit. The requests carry no idempotency key.
     */
    CompletionStage<List<Enqueued>> enqueueAll(String connectionId, List<EnqueueRequest> requests);

    /**
     * Up to {@code max} messages at the head of the queue, oldest first, with their payloads; nothing is removed.
     * A durable store also stops at {@code longlink.store.read-window} bytes (always at least one message).
     */
    CompletionStage<List<OutboundMessage>> head(String connectionId, int max);

    /** The given messages, which are the head of the queue in order, were written to a socket at {@code at}. */
    void markSent(String connectionId, List<OutboundMessage> messages, Instant at);

    /** The state of one message, while it is queued and for a while after it was sent. */
    Optional<MessageStatus> find(String connectionId, long messageId);

    /** Messages waiting to be sent; an in-memory read. */
    int queued(String connectionId);

    /**
     * The id of the newest message waiting to be sent, 0 when none waits; an in-memory read. What arrives next (a
     * request) goes out after that message and before any message stored later.
     */
    long newestQueued(String connectionId);

    /**
     * The connection is removed with its queue: its messages, states and idempotency keys are dropped (a durable
     * store keeps the id sequence, so a connection created again under the id never reuses a message id).
     */
    void discard(String connectionId);

    /** Whether an enqueue can be stored now (readiness reports it); a memory store always can. */
    default boolean writable() {
        return true;
    }
}
