package io.longlink.outbox;

import java.time.Instant;

/** What {@code GET .../messages/{messageId}} shows of one message. */
public record MessageStatus(String id, MessageState state, Instant enqueuedAt, Instant sentAt) {
}
