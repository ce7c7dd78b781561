package io.longlink.outbox;

/** Where an accepted message is in its life. */
public enum MessageState {
    /** Accepted and waiting for an open socket. */
    QUEUED,
    /** Written to an upstream socket. */
    SENT
}
