package io.longlink.outbox;

import java.time.Duration;

import io.longlink.config.LonglinkConfig;

/**
 * One connection's outbox limits, as both stores look them up by connection id when they need them (so a
 * connection added or changed at run time is honoured without rebuilding a store).
 *
 * @param capacity messages waiting at most
 * @param maxBytes payload bytes waiting at most
 * @param retainSent states of sent or expired messages kept readable by id
 * @param retryAfter what a 503 {@code outbox-full} asks the producer to wait
 */
public record OutboxSettings(int capacity, long maxBytes, int retainSent, Duration retryAfter) {

    /** For an id no connection has: nothing fits. */
    public static final OutboxSettings NONE = new OutboxSettings(0, 0, 0, Duration.ofSeconds(1));

    public static OutboxSettings of(LonglinkConfig.Outbox outbox) {
        return new OutboxSettings(outbox.capacity(), outbox.maxBytes().asLongValue(), outbox.retainSent(),
                outbox.retryAfter());
    }

    /** Why a message of {@code size} bytes does not fit beside what is waiting, or null when it fits. */
    OutboxFullException refusal(String connectionId, int waiting, long waitingBytes, long size) {
        return refusal(connectionId, waiting, waitingBytes, 1, size);
    }

    /** Why {@code count} messages of {@code size} bytes in all do not fit beside what is waiting, or null. */
    OutboxFullException refusal(String connectionId, int waiting, long waitingBytes, int count, long size) {
        if (waiting + count > capacity) {
            if (count > 1) {
                return new OutboxFullException(connectionId, "holds " + waiting + " messages; " + count
                        + " more would exceed its capacity of " + capacity + " (outbox.capacity)", retryAfter);
            }
            return new OutboxFullException(connectionId,
                    "holds its capacity of " + capacity + " messages (outbox.capacity)", retryAfter);
        }
        if (waitingBytes + size > maxBytes) {
            return new OutboxFullException(connectionId, "holds " + waitingBytes + " bytes; " + size
                    + " more would exceed outbox.max-bytes (" + maxBytes + ")", retryAfter);
        }
        return null;
    }
}
