package io.longlink.outbox;

/** Where an accepted message is in its life. */
public enum MessageState {
    /** Accepted and waiting for an open socket. */
    QUEUED,
    /** Written to an upstream socket (the write completed; that says nothing of what the upstream did with it). */
    SENT,
    /** Its time to live ran out before it could be sent; it never will be. */
    EXPIRED
}
