package io.longlink.inbox;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What one connection's upstream pushed, numbered from 1 in arrival order. The last {@code retain}
 * messages are kept for reading by cursor; older ones are dropped. Listeners are told after each append,
 * outside the lock, and read what they need by cursor, so a slow listener never holds up the socket.
 *
 * <p>All fields except {@code listeners} are guarded by {@code this}.
 */
public final class InboundLog {

    private final int retain;
    private final Clock clock;
    /** Retained messages, oldest first. */
    private final ArrayDeque<InboundMessage> messages = new ArrayDeque<>();
    /** Sequence number of the newest message, 0 before the first. */
    private long lastSeq;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public InboundLog(int retain, Clock clock) {
        this.retain = retain;
        this.clock = clock;
    }

    public void appendText(String text) {
        synchronized (this) {
            add(InboundMessage.text(++lastSeq, clock.instant(), text));
        }
        notifyListeners();
    }

    public void appendBinary(byte[] bytes) {
        synchronized (this) {
            add(InboundMessage.binary(++lastSeq, clock.instant(), bytes));
        }
        notifyListeners();
    }

    private void add(InboundMessage message) {
        messages.addLast(message);
        while (messages.size() > retain) {
            messages.removeFirst();
        }
    }

    /** Up to {@code limit} retained messages with a sequence number above {@code after}, oldest first. */
    public synchronized List<InboundMessage> read(long after, int limit) {
        List<InboundMessage> page = new ArrayList<>(Math.min(limit, messages.size()));
        if (messages.isEmpty() || after >= lastSeq) {
            return page;
        }
        long firstSeq = messages.peekFirst().seq();
        Iterator<InboundMessage> it = messages.iterator();
        for (long skip = Math.max(0, after - firstSeq + 1); skip > 0; skip--) {
            it.next();
        }
        while (it.hasNext() && page.size() < limit) {
            page.add(it.next());
        }
        return page;
    }

    /** Sequence number of the newest message, 0 before the first. */
    public synchronized long lastSeq() {
        return lastSeq;
    }

    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    private void notifyListeners() {
        for (Runnable listener : listeners) {
            listener.run();
        }
    }
}
