package io.longlink.rest;

import java.util.concurrent.atomic.AtomicInteger;

import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.inbox.InboundLog;
import io.longlink.inbox.InboundMessage;
import io.quarkus.logging.Log;

/**
 * One SSE subscriber of an inbound log. It keeps its own cursor and, whenever the log grows, sends what lies
 * beyond it, page by page (a page may come from disk, asynchronously); only one drain runs at a time (a
 * work-in-progress counter: signals that arrive during a drain make it read once more), so events go out in order
 * without a lock. It unsubscribes itself once the client has gone.
 */
final class InboundStream implements Runnable {

    /** Messages read from the log per step of a drain. */
    private static final int PAGE = 256;

    private final InboundLog log;
    private final SseEventSink sink;
    private final Sse sse;
    private final ObjectMapper json;
    private final AtomicInteger wip = new AtomicInteger();
    /** Seq of the last message sent; touched only inside a drain. */
    private long cursor;

    InboundStream(InboundLog log, SseEventSink sink, Sse sse, ObjectMapper json, long after) {
        this.log = log;
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
        if (wip.getAndIncrement() == 0) {
            drain(1);
        }
    }

    /** Reads and sends pages until one is empty, then ends unless {@code signals} more arrived meanwhile. */
    private void drain(int signals) {
        if (sink.isClosed()) {
            log.removeListener(this);
            return;
        }
        log.read(cursor, PAGE).whenComplete((page, failure) -> {
            if (failure != null) {
                Log.debugf("inbound stream ends: %s", failure.getMessage());
                stop();
                return;
            }
            if (!page.isEmpty()) {
                page.forEach(this::send);
                cursor = page.get(page.size() - 1).seq();
                drain(signals);
                return;
            }
            int left = wip.addAndGet(-signals);
            if (left != 0) {
                drain(left);
            }
        });
    }

    private void send(InboundMessage message) {
        String data;
        try {
            data = json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        sink.send(sse.newEventBuilder().id(Long.toString(message.seq())).data(data).build())
                .exceptionally(failure -> {
                    stop();
                    return null;
                });
    }

    private void stop() {
        log.removeListener(this);
        sink.close();
    }
}
