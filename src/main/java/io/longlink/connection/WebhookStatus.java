package io.longlink.connection;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The {@code webhook} field of a connection's status, filled by the webhook delivery ({@code io.longlink.webhook}):
 * kept here so that a connection's status reads without the webhook package.
 *
 * @param deliveredSeq seq of the last message the receiver acknowledged
 * @param lag stored inbound messages not acknowledged yet
 * @param lastError why the last attempt failed (null once a batch is acknowledged again), or why delivery stopped
 * @param state {@code DELIVERING}, {@code RETRYING} (the last attempt failed), or {@code STOPPED} (410 Gone)
 */
@RegisterForReflection
public record WebhookStatus(long deliveredSeq, long lag, String lastError, WebhookStatus.State state) {

    public enum State {
        /** Delivering or idle and caught up. */
        DELIVERING,
        /** The last attempt failed; the batch is retried with backoff. */
        RETRYING,
        /** The receiver answered 410 Gone: nothing is sent until {@code inbound.webhook.url} changes. */
        STOPPED
    }
}
