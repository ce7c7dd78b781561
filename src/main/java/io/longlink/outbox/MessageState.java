package io.longlink.outbox;

/** Where an accepted message is in its life. */
public enum MessageState {
    /** Accepted and waiting for an open socket. */
    QUEUED,
    /** Written to an upstream socket. */
    SENT,
    /** Its time to live ran out before it could be sent; it never will be. */
    EXPIRED,
    /** It can never be sent (reserved for stores that give up on a message). */
    FAILED
}
