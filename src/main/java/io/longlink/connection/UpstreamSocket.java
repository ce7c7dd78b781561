package io.longlink.connection;

import java.util.List;
import java.util.concurrent.CompletionStage;

import io.longlink.outbox.OutboundMessage;

/** One open socket to the upstream; owned by exactly one {@link Session}. */
interface UpstreamSocket {

    /** What a {@link #write} achieved: the first {@code count} frames were written; {@code failure} stopped the rest. */
    record Written(int count, Throwable failure) {
    }

    /** Writes the messages as frames, in order, and completes once every write completed or one failed. */
    CompletionStage<Written> write(List<OutboundMessage> messages);

    /**
     * Whether the calling thread is the socket's own event loop, where writes are flushed one by one: a batch is
     * then better written from another thread, whose writes are queued and flushed together.
     */
    default boolean onItsLoop() {
        return true;
    }

    CompletionStage<Void> sendText(String text);

    CompletionStage<Void> sendBinary(byte[] bytes);

    /** Sends a protocol ping frame. */
    CompletionStage<Void> ping();

    /** Sends a close frame and completes when the socket is closed (the upstream answered or dropped it). */
    CompletionStage<Void> close(int code, String reason);
}
