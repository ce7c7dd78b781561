package io.longlink.connection;

import java.time.Instant;

import io.longlink.webhook.WebhookStatus;

/** A consistent snapshot of one connection, as the control plane shows it. */
public record ConnectionStatus(
        String id,
        String url,
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
