package io.longlink.inbox;

import java.time.Instant;
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
     * The log has frames that no transaction took yet and no flush is pending: the store takes them
     * ({@link InboundLog#unwritten}) into its next transaction and tells the log once it committed
     * ({@link InboundLog#committed}) or failed ({@link InboundLog#rewind}). Never blocks; never called for the memory
     * store.
     */
    void flush(InboundLog log);

    /**
     * Up to {@code limit} stored messages with {@code after < seq <= upTo} that are retained (received at or after
     * {@code cutoff}, or above {@code held}), oldest first; off the event loop.
     */
    CompletionStage<List<InboundMessage>> read(String connectionId, long after, long upTo, int limit,
            Instant cutoff, long held);
}
