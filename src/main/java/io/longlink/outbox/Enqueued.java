package io.longlink.outbox;

/**
 * What an enqueue answers: the message's id and its state. A new message is {@link MessageState#QUEUED}; a
 * repeated {@code Idempotency-Key} answers the first message's id and that message's current state.
 */
public record Enqueued(long id, MessageState state) {

    static Enqueued stored(long id) {
        return new Enqueued(id, MessageState.QUEUED);
    }
}
