package io.longlink.connection;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.longlink.config.LonglinkConfig;
import io.vertx.core.Vertx;

/**
 * The state changes of every connection of this instance and the gaps in their upstreams' sequences, numbered from 1, the newest
 * {@code longlink.events.retain} kept in memory for streams that resume with {@code Last-Event-ID}. Appending is
 * cheap and never calls out: listeners (SSE streams) are woken on the executor, so a connection may append while
 * it holds its own lock and events of one connection keep its order.
 *
 * <p>All fields except {@code listeners} are guarded by {@code this}.
 */
@ApplicationScoped
public class EventLog {

    private final int retain;
    private final Executor executor;
    private final ArrayDeque<StreamedEvent> events = new ArrayDeque<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private long lastSeq;

    @Inject
    public EventLog(LonglinkConfig config, Vertx vertx) {
        this(config.events().retain(), task -> vertx.runOnContext(v -> task.run()));
    }

    EventLog(int retain, Executor executor) {
        this.retain = retain;
        this.executor = executor;
    }

    /** Records a state change and wakes the listeners. */
    ConnectionEvent append(Instant at, String connection, ConnectionState state, ConnectionState previous,
            long generation, int attempt, String reason) {
        ConnectionEvent event;
        synchronized (this) {
            event = new ConnectionEvent(++lastSeq, at, connection, state, previous, generation, attempt, reason);
            keepLocked(event);
        }
        wake();
        return event;
    }

    /** Records a gap in an upstream's sequence and wakes the listeners. */
    GapEvent appendGap(Instant at, String connection, String scope, long expected, long got) {
        GapEvent event;
        synchronized (this) {
            event = new GapEvent(++lastSeq, at, connection, scope, expected, got);
            keepLocked(event);
        }
        wake();
        return event;
    }

    private void keepLocked(StreamedEvent event) {
        events.addLast(event);
        while (events.size() > retain) {
            events.removeFirst();
        }
    }

    private void wake() {
        if (!listeners.isEmpty()) {
            executor.execute(() -> listeners.forEach(Runnable::run));
        }
    }

    /** Up to {@code limit} retained events after {@code after}, oldest first, of the connections {@code shown} accepts. */
    public synchronized List<StreamedEvent> read(long after, int limit, Predicate<String> shown) {
        List<StreamedEvent> page = new ArrayList<>();
        for (StreamedEvent e : events) {
            if (page.size() >= limit) {
                break;
            }
            if (e.seq() > after && shown.test(e.connection())) {
                page.add(e);
            }
        }
        return page;
    }

    /** Seq of the newest event, 0 before the first. */
    public synchronized long lastSeq() {
        return lastSeq;
    }

    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }
}
