package io.longlink.outbox;

import java.time.Duration;

/**
 * One message to accept. {@code idempotencyKey} is null when the producer sent none; with one (at most
 * {@link #MAX_IDEMPOTENCY_KEY_LENGTH} characters), a repeat returns the first message instead of storing a second.
 * {@code timeToLive} is null when the message may wait for ever; with one, the message is
 * {@link MessageState#EXPIRED} instead of sent once that time has passed. Capacity and the other per-connection
 * limits come from the store's {@link OutboxSettings}.
 */
public record EnqueueRequest(String connectionId, boolean binary, byte[] payload, String idempotencyKey,
        Duration timeToLive) {

    /** Longest {@code Idempotency-Key} accepted (contract v2). */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

    public EnqueueRequest {
        if (idempotencyKey != null && idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw new IllegalArgumentException("an idempotency key has at most " + MAX_IDEMPOTENCY_KEY_LENGTH
                    + " characters");
        }
    }

    public EnqueueRequest(String connectionId, boolean binary, byte[] payload, String idempotencyKey) {
        this(connectionId, binary, payload, idempotencyKey, null);
    }
}
