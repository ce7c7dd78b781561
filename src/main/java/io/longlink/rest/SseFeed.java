package io.longlink.rest;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.connection.StreamedEvent;
import io.longlink.connection.EventLog;
import io.longlink.inbox.InboundLog;
import io.longlink.inbox.InboundMessage;
import io.quarkus.logging.Log;

/**
 * One SSE subscriber of a numbered log (inbound messages, state-change events). It keeps its own cursor and,
 * whenever the log grows, sends what lies beyond it, page by page; only one drain runs at a time (a
 * work-in-progress counter), so events go out in order without a lock. It unsubscribes itself once the client has
 * gone or the log cannot be read.
 *
 * @param <T> what the log holds
 */
final class SseFeed<T> implements Runnable {

    /** Items read from the log per step of a drain. */
    private static final int PAGE = 256;

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
    /** The SSE {@code event:} name of an item, or null for unnamed events. */
    private final Function<T, String> name;
    private final SseEventSink sink;
    private final Sse sse;
    private final ObjectMapper json;
    private final AtomicInteger wip = new AtomicInteger();
    /** Seq of the last item sent; touched only inside a drain. */
    private long cursor;

    /** The inbound messages of one connection, one unnamed event each. */
    static SseFeed<InboundMessage> inbound(InboundLog log, SseEventSink sink, Sse sse, ObjectMapper json, long after) {
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
        }, item -> null, sink, sse, json, after);
    }

    /** The events of the connections {@code shown} accepts: {@code event: state} or {@code event: gap} each. */
    static SseFeed<StreamedEvent> events(EventLog log, Predicate<String> shown, SseEventSink sink, Sse sse,
            ObjectMapper json, long after) {
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
        }, StreamedEvent::eventName, sink, sse, json, after);
    }

    private SseFeed(Source<T> source, Function<T, String> name, SseEventSink sink, Sse sse, ObjectMapper json, long after) {
        this.source = source;
        this.name = name;
        this.sink = sink;
        this.sse = sse;
        this.json = json;
        this.cursor = after;
    }

    void start() {
        source.addListener(this);
        run();
    }

    @Override
    public void run() {
        if (wip.getAndIncrement() == 0) {
            drain(1);
        }
    }

    /** Reads and sends pages until one is empty, then ends unless {@code signals} more arrived meanwhile. */
    private void drain(int signals) {
        if (sink.isClosed()) {
            source.removeListener(this);
            return;
        }
        source.read(cursor, PAGE).whenComplete((page, failure) -> {
            if (failure != null) {
                Log.debugf("event stream ends: %s", failure.getMessage());
                stop();
                return;
            }
            if (!page.isEmpty()) {
                page.forEach(this::send);
                cursor = source.seq(page.get(page.size() - 1));
                drain(signals);
                return;
            }
            int left = wip.addAndGet(-signals);
            if (left != 0) {
                drain(left);
            }
        });
    }

    private void send(T item) {
        String data;
        try {
            data = json.writeValueAsString(item);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        OutboundSseEvent.Builder event = sse.newEventBuilder().id(Long.toString(source.seq(item))).data(data);
        String eventName = name.apply(item);
        if (eventName != null) {
            event.name(eventName);
        }
        sink.send(event.build()).exceptionally(failure -> {
            stop();
            return null;
        });
    }

    private void stop() {
        source.removeListener(this);
        sink.close();
    }
}
