package io.longlink.outbox;

/**
 * One message to accept. {@code idempotencyKey} is null when the producer sent none; with one, a repeat
 * returns the first message instead of storing a second.
 */
public record EnqueueRequest(String connectionId, boolean binary, byte[] payload, String idempotencyKey, int capacity) {
}
