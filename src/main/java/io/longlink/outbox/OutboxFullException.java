package io.longlink.outbox;

import java.time.Duration;

/** The connection's outbox is at {@code outbox.capacity} or {@code outbox.max-bytes}; nothing was stored. */
public class OutboxFullException extends RuntimeException {

    private final Duration retryAfter;

    public OutboxFullException(String connectionId, String detail, Duration retryAfter) {
        super("outbox of connection " + connectionId + " " + detail, null, false, false);
        this.retryAfter = retryAfter;
    }

    /** How long the producer is asked to wait ({@code outbox.retry-after}). */
    public Duration retryAfter() {
        return retryAfter;
    }
}
