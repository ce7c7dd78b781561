package io.longlink.inbox;

import java.time.Duration;

import io.longlink.config.LonglinkConfig;

/**
 * One connection's inbound retention, looked up by connection id.
 *
 * @param retain newest messages kept readable
 * @param retainFor how long a message stays readable
 * @param cache newest messages also kept in memory (a durable store reads older ones from disk)
 */
public record InboundSettings(int retain, Duration retainFor, int cache) {

    /** For an id no connection has. */
    public static final InboundSettings NONE = new InboundSettings(0, Duration.ZERO, 0);

    public static InboundSettings of(LonglinkConfig.Inbound inbound) {
        return new InboundSettings(inbound.retain(), inbound.retainFor(), inbound.cache());
    }
}
