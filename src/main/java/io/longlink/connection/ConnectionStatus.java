package io.longlink.connection;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A consistent snapshot of one connection, as the control plane shows it. {@code url} and {@code proxy} are shown
 * without credentials; nothing here ever holds a header value, token, secret or password. {@code webhook} is null
 * for a connection without {@code inbound.webhook.url}.
 */
@RegisterForReflection // also read back from JSON: the status another cluster member published
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
        WebhookStatus webhook,
        /** Cluster mode: the instance holding the connection's lease, and the lease's epoch; null otherwise. */
        String owner,
        Long epoch) {

    /** The same snapshot with the owner and epoch of the lease as the cluster knows them. */
    public ConnectionStatus withOwner(String newOwner, Long newEpoch) {
        return new ConnectionStatus(id, url, proxy, state, desired, generation, attempt, nextAttemptAt, connectedAt,
                lastError, lastCloseCode, lastCloseReason, queued, sent, received, lastPongAt, rttMillis, webhook,
                newOwner, newEpoch);
    }
}
