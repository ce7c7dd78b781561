package io.longlink.outbox;

import java.time.Instant;

/**
 * A message accepted for sending upstream: one text frame (UTF-8 {@code payload}) or one binary frame.
 * Ids grow by one per connection in the order messages were accepted, so id order is delivery order.
 */
public record OutboundMessage(long id, boolean binary, byte[] payload, Instant enqueuedAt) {
}
