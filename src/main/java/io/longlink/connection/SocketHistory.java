package io.longlink.connection;

import java.time.Instant;
import java.util.function.Supplier;

import io.longlink.config.LonglinkConfig;

/**
 * What a connection's sockets left behind, and the {@link ConnectionStatus} built from it with the phase: how many
 * sockets reached OPEN ({@code generation}), when the last one did, the last error and the last close, beside the
 * counters, the socket lifetimes ({@link SocketPacing}), the addresses without their credentials and the webhook's
 * part.
 *
 * <p>Guarded by the supervisor's lock, like the rest of its state; the addresses and the webhook are read without it.
 */
final class SocketHistory {

    private final String id;
    private final ConnectionCounters counters;
    private final SocketPacing pacing;
    private final PendingRequests requests;
    private final Ownership ownership;
    /** {@code url} without its credentials. */
    private volatile String redactedUrl;
    /** {@code proxy.url} without its credentials, or null. */
    private volatile String redactedProxy;
    /** The webhook's part of the status; answers null until a webhook delivery is attached. */
    private volatile Supplier<WebhookStatus> webhook = () -> null;
    /** Sockets that reached OPEN so far. */
    private long generation;
    /** When the last socket opened. */
    private Instant connectedAt;
    private String lastError;
    private Integer lastCloseCode;
    private String lastCloseReason;

    SocketHistory(String id, ConnectionCounters counters, SocketPacing pacing, PendingRequests requests,
            Ownership ownership) {
        this.id = id;
        this.counters = counters;
        this.pacing = pacing;
        this.requests = requests;
        this.ownership = ownership;
    }

    /** New settings: the addresses the status shows. */
    void apply(LonglinkConfig.ConnectionConfig config) {
        this.redactedUrl = UrlRedactor.redact(config.url());
        this.redactedProxy = config.proxy().url().map(UrlRedactor::redact).orElse(null);
    }

    void attachWebhook(Supplier<WebhookStatus> status) {
        this.webhook = status;
    }

    /** The webhook's part of the status; read outside the supervisor's lock. */
    WebhookStatus webhook() {
        return webhook.get();
    }

    long generation() {
        return generation;
    }

    /** A socket reached OPEN at {@code at}: its generation. */
    long opened(Instant at) {
        connectedAt = at;
        return ++generation;
    }

    String lastError() {
        return lastError;
    }

    void failed(String error) {
        lastError = error;
    }

    void closed(Integer code, String reason) {
        lastCloseCode = code;
        lastCloseReason = reason;
    }

    /** A socket ended as {@code ending} says; an ending without a close code leaves the last close as it was. */
    void ended(Session.Ending ending) {
        if (ending != null && ending.closeCode() != null) {
            closed(ending.closeCode(), ending.closeReason());
        }
    }

    ConnectionStatus statusLocked(Phase phase, DesiredState desired, int attempt, java.time.Duration stableAfter,
            int queued, WebhookStatus webhookStatus) {
        ConnectionCounters.Pong pong = counters.lastPong();
        Instant nextAttemptAt = phase instanceof Phase.Reconnecting r ? r.at()
                : phase instanceof Phase.Connecting c ? c.slotAt() : null;
        return new ConnectionStatus(id, redactedUrl, redactedProxy, phase.state(), desired, generation, attempt,
                nextAttemptAt, connectedAt, lastError, lastCloseCode, lastCloseReason, queued, requests.inFlight(),
                counters.sent.get(), counters.received.get(), pong == null ? null : pong.at(),
                pong == null ? null : pong.rttMillis(), pacing.flapping(phase, stableAfter), pacing.lastMillis(),
                webhookStatus, ownership.owner(id), ownership.epoch(id), counters.gaps.get(),
                counters.duplicatesDropped.get());
    }
}
