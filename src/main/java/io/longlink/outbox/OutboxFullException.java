package io.longlink.outbox;

/** The connection's outbox holds {@code outbox.capacity} messages already; nothing was stored. */
public class OutboxFullException extends RuntimeException {

    public OutboxFullException(String connectionId, int capacity) {
        super("outbox of connection " + connectionId + " holds its capacity of " + capacity + " messages", null, false,
                false);
    }
}
