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
        /** Requests ({@code POST .../requests}) waiting to be written or for their reply. */
        int requests,
        long sent,
        long received,
        Instant lastPongAt,
        Long rttMillis,
        /** The last 3 sockets in a row each lived less than {@code reconnect.stable-after} (and the open one has not yet). */
        boolean flapping,
        /** How long the last socket that ended lived, in milliseconds; null before one ended. */
        Long lastSocketMillis,
        /** The inbound webhook's delivery; null without {@code inbound.webhook.url}. */
        WebhookStatus webhook,
        /** Cluster mode: the instance holding the connection's lease, and the lease's epoch; null otherwise. */
        String owner,
        Long epoch,
        /** Gaps found in the upstream's sequences ({@code inbound.sequence.pointer}) since start. */
        long gaps,
        /** Messages dropped as duplicates while a rotation had two sockets open, since start. */
        long duplicatesDropped) {

    /** The same snapshot with the owner and epoch of the lease as the cluster knows them. */
    public ConnectionStatus withOwner(String newOwner, Long newEpoch) {
        return new ConnectionStatus(id, url, proxy, state, desired, generation, attempt, nextAttemptAt, connectedAt,
                lastError, lastCloseCode, lastCloseReason, queued, requests, sent, received, lastPongAt, rttMillis,
                flapping, lastSocketMillis, webhook, newOwner, newEpoch, gaps, duplicatesDropped);
    }
}
