package io.longlink.outbox;

/** The store cannot take a message now (not writable, disk full, shutting down); nothing was stored. */
public class OutboxUnavailableException extends RuntimeException {

    public OutboxUnavailableException(String detail) {
        super(detail, null, false, false);
    }
}
