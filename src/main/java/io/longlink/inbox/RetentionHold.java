package io.longlink.inbox;

/**
 * Keeps inbound messages that a consumer has not taken yet (the webhook's delivered cursor), whatever
 * {@code inbound.retain} and {@code inbound.retain-for} say: pruning never deletes a message whose seq is above
 * {@link #keepAfter}, and reads by cursor still return it.
 */
@FunctionalInterface
public interface RetentionHold {

    /** No hold: retention alone decides. */
    RetentionHold NONE = connectionId -> Long.MAX_VALUE;

    /**
     * Messages of this connection with a seq above this are kept; {@link Long#MAX_VALUE} for none. Called on the
     * store's writer thread while it prunes, and on any thread when a log reads or trims its memory.
     */
    long keepAfter(String connectionId);
}
