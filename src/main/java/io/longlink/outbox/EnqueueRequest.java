package io.longlink.outbox;

import java.time.Duration;

/**
 * One message to accept. {@code idempotencyKey} is null when the producer sent none; with one, a repeat
 * returns the first message instead of storing a second. {@code timeToLive} is null when the message may wait
 * for ever; with one, the message is {@link MessageState#EXPIRED} instead of sent once that time has passed.
 */
public record EnqueueRequest(String connectionId, boolean binary, byte[] payload, String idempotencyKey, int capacity,
        Duration timeToLive) {

    public EnqueueRequest(String connectionId, boolean binary, byte[] payload, String idempotencyKey, int capacity) {
        this(connectionId, binary, payload, idempotencyKey, capacity, null);
    }
}
