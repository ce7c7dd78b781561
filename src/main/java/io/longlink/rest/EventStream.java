package io.longlink.rest;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.connection.ConnectionEvent;
import io.longlink.connection.EventLog;

/**
 * One SSE subscriber of the state-change events of the connections {@code shown} accepts.
 * Like the inbound stream it keeps its own cursor and sends what lies beyond it whenever the log grows, one drain
 * at a time, and unsubscribes itself once the client has gone. Each event is {@code event: state}, {@code id:} its
 * seq.
 */
final class EventStream implements Runnable {

    /** Events read from the log per step of a drain. */
    private static final int PAGE = 256;

    private final EventLog log;
    /** Which connections' events this subscriber sees (its own connection, or what its caller may see). */
    private final Predicate<String> shown;
    private final SseEventSink sink;
    private final Sse sse;
    private final ObjectMapper json;
    private final AtomicInteger wip = new AtomicInteger();
    /** Seq of the last event sent; touched only inside a drain. */
    private long cursor;

    EventStream(EventLog log, Predicate<String> shown, SseEventSink sink, Sse sse, ObjectMapper json, long after) {
        this.log = log;
        this.shown = shown;
        this.sink = sink;
        this.sse = sse;
        this.json = json;
        this.cursor = after;
    }

    void start() {
        log.addListener(this);
        run();
    }

    @Override
    public void run() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            if (sink.isClosed()) {
                log.removeListener(this);
                return;
            }
            List<ConnectionEvent> page;
            while (!(page = log.read(cursor, PAGE, shown)).isEmpty()) {
                for (ConnectionEvent event : page) {
                    send(event);
                    cursor = event.seq();
                }
            }
        } while (wip.decrementAndGet() != 0);
    }

    private void send(ConnectionEvent event) {
        String data;
        try {
            data = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        sink.send(sse.newEventBuilder().name("state").id(Long.toString(event.seq())).data(data).build())
                .exceptionally(failure -> {
                    log.removeListener(this);
                    sink.close();
                    return null;
                });
    }
}
