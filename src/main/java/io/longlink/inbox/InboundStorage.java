package io.longlink.inbox;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** Where inbound messages are kept: in memory only, or in the SQLite file. Used by {@link InboundLog}. */
interface InboundStorage {

    /** What the storage held for a connection when it opened: the newest seq and the newest messages. */
    record Tail(long lastSeq, List<InboundMessage> newest) {
        static final Tail EMPTY = new Tail(0, List.of());
    }

    /** Whether the log's memory is the only copy (memory kind), so trimming it deletes. */
    default boolean memoryOnly() {
        return false;
    }

    /** How many of the newest messages the log keeps in memory. */
    int cacheSize(InboundSettings settings);

    /** The connection's stored tail; asked once per connection, and again after a cluster claim loaded it anew. */
    Tail tail(String connectionId);

    /**
     * Stores a message whose seq follows the previous one's. Never blocks.
     *
     * @return true when it is stored already (the log publishes it at once); false when the storage calls
     *         {@link InboundLog#committed} later, in seq order
     */
    boolean append(InboundLog log, InboundMessage message);

    /** Up to {@code limit} stored messages with {@code after < seq <= upTo}, oldest first; off the event loop. */
    CompletionStage<List<InboundMessage>> read(String connectionId, long after, long upTo, int limit);
}
