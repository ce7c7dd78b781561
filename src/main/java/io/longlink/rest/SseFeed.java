package io.longlink.rest;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

import jakarta.ws.rs.sse.SseEventSink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.connection.StreamedEvent;
import io.longlink.connection.EventLog;
import io.longlink.inbox.InboundJson;
import io.longlink.inbox.InboundLog;
import io.longlink.inbox.InboundMessage;
import io.longlink.inbox.JsonBytes;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

/**
 * One SSE subscriber of a numbered log (inbound messages, state-change events). It keeps its own cursor and,
 * whenever the log grows, sends what lies beyond it, page by page; only one drain runs at a time (a
 * work-in-progress counter), so events go out in order without a lock. It unsubscribes itself once the client has
 * gone or the log cannot be read.
 *
 * <p>The log's signal only counts and, when no drain runs, hands one to {@code executor} (a worker thread): reading
 * and JSON never run on the thread that appended (the upstream socket's event loop). A page of events goes out as one
 * chunk of the response (written by hand in the format Quarkus REST's {@link SseEventSink} uses, which would write
 * and flush each event on its own); the sink still sends the response's head and ends it. The next page is read only
 * once the last one was written to the socket, so a slow client holds at most a page in memory and its backlog stays
 * in the log.
 *
 * @param <T> what the log holds
 */
final class SseFeed<T> implements Runnable {

    /** Items read from the log per step of a drain (and written in one chunk): 256 cost a third more CPU per event. */
    private static final int PAGE = 1000;
    /** Most bytes a page's chunk is allocated with before its events are written (it grows as they need). */
    private static final int MAX_ROOM = 1 << 20;

    /** A log as the feed reads it. */
    interface Source<T> {
        /** Up to {@code limit} items after {@code after}, oldest first; may complete later (a read from disk). */
        CompletionStage<List<T>> read(long after, int limit);

        /** The item's number, its SSE {@code id:}. */
        long seq(T item);

        void addListener(Runnable listener);

        void removeListener(Runnable listener);
    }

    private final Source<T> source;
    /** Appends an item as one SSE event, {@code field:value} lines and a blank line, as Quarkus REST writes them. */
    private final BiConsumer<JsonBytes, T> event;
    private final SseEventSink sink;
    /** The sink's response, written to directly: a page per chunk. */
    private final HttpServerResponse response;
    /** Where drains run (the application's worker pool): never the publishing thread. */
    private final Executor executor;
    private final AtomicInteger wip = new AtomicInteger();
    /** Seq of the last item sent; touched only inside a drain. */
    private long cursor;
    /** Bytes per event of the last page: the next page's buffer is allocated at about its size. */
    private int eventBytes = 256;

    /** The inbound messages of one connection, one unnamed event each. */
    static SseFeed<InboundMessage> inbound(InboundLog log, SseEventSink sink, HttpServerResponse response,
            long after) {
        return new SseFeed<>(new Source<>() {
            public CompletionStage<List<InboundMessage>> read(long from, int limit) {
                return log.read(from, limit);
            }

            public long seq(InboundMessage item) {
                return item.seq();
            }

            public void addListener(Runnable listener) {
                log.addListener(listener);
            }

            public void removeListener(Runnable listener) {
                log.removeListener(listener);
            }
        }, InboundJson::appendEvent, sink, response, after);
    }

    /** The events of the connections {@code shown} accepts: {@code event: state} or {@code event: gap} each. */
    static SseFeed<StreamedEvent> events(EventLog log, Predicate<String> shown, SseEventSink sink,
            HttpServerResponse response, ObjectMapper json, long after) {
        return new SseFeed<>(new Source<>() {
            public CompletionStage<List<StreamedEvent>> read(long from, int limit) {
                return CompletableFuture.completedFuture(log.read(from, limit, shown));
            }

            public long seq(StreamedEvent item) {
                return item.seq();
            }

            public void addListener(Runnable listener) {
                log.addListener(listener);
            }

            public void removeListener(Runnable listener) {
                log.removeListener(listener);
            }
        }, (event, item) -> {
            event.startEvent(item.seq(), item.eventName());
            try {
                // compact JSON has no line breaks, so one data line holds it
                event.append(json.writeValueAsBytes(item));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            event.endEvent();
        }, sink, response, after);
    }

    private SseFeed(Source<T> source, BiConsumer<JsonBytes, T> event, SseEventSink sink, HttpServerResponse response,
            long after) {
        this.source = source;
        this.event = event;
        this.sink = sink;
        this.response = response;
        this.executor = Infrastructure.getDefaultWorkerPool();
        this.cursor = after;
    }

    /**
     * Subscribes and sends what the log holds beyond the cursor. Called by the resource method on the request's
     * event loop: the first drain waits for that loop's next turn, after Quarkus REST sent the response's head, so a
     * drain on a worker thread never races it.
     */
    void start() {
        Context context = Vertx.currentContext();
        if (context == null) {
            subscribe(null);
        } else {
            context.runOnContext(this::subscribe);
        }
    }

    private void subscribe(Void ignored) {
        source.addListener(this);
        run();
    }

    /** The log grew: a drain starts on the executor unless one runs (which then looks again). Cheap. */
    @Override
    public void run() {
        if (wip.getAndIncrement() == 0) {
            executor.execute(() -> drain(1));
        }
    }

    /** Reads and sends pages until one is empty, then ends unless {@code signals} more arrived meanwhile. */
    private void drain(int signals) {
        if (sink.isClosed()) {
            source.removeListener(this);
            return;
        }
        CompletableFuture<List<T>> read = source.read(cursor, PAGE).toCompletableFuture();
        if (read.isDone()) {
            // a page from memory: no hop
            paged(read.getNow(null), null, signals);
        } else {
            read.whenCompleteAsync((page, failure) -> paged(page, failure, signals), executor);
        }
    }

    private void paged(List<T> page, Throwable failure, int signals) {
        if (failure != null) {
            Log.debugf("event stream ends: %s", failure.getMessage());
            stop();
            return;
        }
        if (page.isEmpty()) {
            int left = wip.addAndGet(-signals);
            if (left != 0) {
                drain(left);
            }
            return;
        }
        // one chunk, allocated at about its size (the last page's bytes per event, at most 1 MiB up front: a page of
        // small events after a large one must not take the large one's room a thousand times): rarely grown
        JsonBytes events = new JsonBytes((int) Math.min(MAX_ROOM, (long) page.size() * eventBytes + 64));
        for (T item : page) {
            event.accept(events, item);
        }
        eventBytes = Math.max(16, events.length() / page.size() + 1);
        cursor = source.seq(page.get(page.size() - 1));
        response.write(events.toBuffer()).onComplete(written -> {
            if (written.failed()) {
                stop();
            } else {
                executor.execute(() -> drain(signals));
            }
        });
    }

    private void stop() {
        source.removeListener(this);
        sink.close();
    }
}
