package io.longlink.connection;

import java.time.Instant;

import io.longlink.webhook.WebhookStatus;

/**
 * A consistent snapshot of one connection, as the control plane shows it. {@code url} and {@code proxy} are shown
 * without credentials; nothing here ever holds a header value, token, secret or password. {@code webhook} is null
 * for a connection without {@code inbound.webhook.url}.
 */
public record ConnectionStatus(
        String id,
        String url,
        /* the egress proxy ({@code proxy.url}, credentials as ***), or null when connecting directly */
        String proxy,
        ConnectionState state,
        DesiredState desired,
        long generation,
        int attempt,
        Instant nextAttemptAt,
        Instant connectedAt,
        String lastError,
        Integer lastCloseCode,
        String lastCloseReason,
        int queued,
        long sent,
        long received,
        Instant lastPongAt,
        Long rttMillis,
        /** The inbound webhook's delivery; null without {@code inbound.webhook.url}. */
        WebhookStatus webhook) {
}
