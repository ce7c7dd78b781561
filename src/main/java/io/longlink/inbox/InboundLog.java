package io.longlink.inbox;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * What one connection's upstream pushed, numbered in arrival order; the numbering goes on across restarts.
 * Messages are readable (by cursor, by listeners) only once stored: in a durable store, once the commit holding
 * them returned, so a reader never sees a seq that a crash could take back and hand out again.
 *
 * <p>Retention: the newest {@code inbound.retain} messages no older than {@code inbound.retain-for}. The newest
 * {@link InboundStorage#cacheSize} of them are kept here in memory and served at once; an older page is read from
 * the store, off the event loop. A {@link RetentionHold} (the webhook's delivered cursor) keeps every message
 * above it readable whatever the retention says. Listeners are told after each publication, outside the lock, and read what they
 * need by cursor, so a slow listener never holds up the socket.
 *
 * <p>Appends come from the connection's socket callbacks; {@code appendLock} keeps their seq order and their order
 * of submission to the store the same. The other fields are guarded by {@code this}.
 */
public final class InboundLog {

    private final String connectionId;
    private final InboundSettings settings;
    private final int cacheSize;
    private final InboundStorage storage;
    private final Clock clock;
    /** Messages above this seq are kept and readable beyond the retention (see {@link RetentionHold}). */
    private final LongSupplier hold;
    private final Object appendLock = new Object();
    /** Seq of the newest message handed to the storage; guarded by {@code appendLock}. */
    private long assignedSeq;
    /** Seq of the newest stored (readable) message, 0 before the first. */
    private long storedSeq;
    /** The newest stored messages, oldest first, at most {@code cacheSize}. */
    private final ArrayDeque<InboundMessage> newest = new ArrayDeque<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Cluster mode: this instance no longer owns the connection (see {@link #release}). */
    private boolean released;

    InboundLog(String connectionId, InboundSettings settings, InboundStorage storage, Clock clock,
            LongSupplier hold) {
        this.connectionId = connectionId;
        this.hold = hold;
        this.settings = settings;
        this.cacheSize = storage.cacheSize(settings);
        this.storage = storage;
        this.clock = clock;
        InboundStorage.Tail tail = storage.tail(connectionId);
        this.assignedSeq = tail.lastSeq();
        this.storedSeq = tail.lastSeq();
        tail.newest().forEach(this::keep);
    }

    /**
     * Cluster mode: another instance owns the connection now; reads fail (a reader reconnects and reaches the new
     * owner) and listeners are told, so an event stream served from here ends instead of going quiet.
     */
    void release() {
        synchronized (this) {
            released = true;
        }
        notifyListeners();
    }

    /** Starts again from what the storage holds (cluster claim): seq, and the newest messages in memory. */
    void reset(InboundStorage.Tail tail) {
        synchronized (appendLock) {
            synchronized (this) {
                released = false;
                assignedSeq = tail.lastSeq();
                storedSeq = tail.lastSeq();
                newest.clear();
                tail.newest().forEach(this::keep);
            }
        }
        notifyListeners();
    }

    String connectionId() {
        return connectionId;
    }

    /** Seq of the newest stored (readable) message, 0 before the first. */
    public synchronized long lastSeq() {
        return storedSeq;
    }

    /** A text frame arrived; never blocks. */
    public void appendText(String text) {
        append(seq -> InboundMessage.text(seq, clock.instant(), text));
    }

    /** A binary frame arrived; never blocks. */
    public void appendBinary(byte[] bytes) {
        append(seq -> InboundMessage.binary(seq, clock.instant(), bytes));
    }

    private void append(java.util.function.LongFunction<InboundMessage> create) {
        boolean storedNow;
        synchronized (appendLock) {
            InboundMessage message = create.apply(++assignedSeq);
            storedNow = storage.append(this, message);
            if (storedNow) {
                publish(List.of(message));
            }
        }
        if (storedNow) {
            notifyListeners();
        }
    }

    /** The storage committed these messages (in seq order, following the ones before). */
    void committed(List<InboundMessage> messages) {
        publish(messages);
        notifyListeners();
    }

    private synchronized void publish(List<InboundMessage> messages) {
        messages.forEach(this::keep);
    }

    private void keep(InboundMessage message) {
        newest.addLast(message);
        storedSeq = message.seq();
        long held = storage.memoryOnly() ? hold.getAsLong() : Long.MAX_VALUE;
        while (newest.size() > cacheSize && newest.peekFirst().seq() <= held) {
            newest.removeFirst();
        }
    }

    /**
     * Up to {@code limit} retained messages with a seq above {@code after}, oldest first. Completes at once when
     * the page is in memory; otherwise after a read from the store, on the caller's Vert.x context when it was
     * called on one.
     */
    public CompletionStage<List<InboundMessage>> read(long after, int limit) {
        Instant cutoff = clock.instant().minus(settings.retainFor());
        long held = hold.getAsLong();
        long from;
        long upTo;
        synchronized (this) {
            if (released) {
                return CompletableFuture.failedFuture(new io.longlink.store.NotOwnerException(connectionId));
            }
            upTo = storedSeq;
            from = Math.max(after, Math.min(storedSeq - settings.retain(), held));
            if (from >= upTo) {
                return CompletableFuture.completedFuture(List.of());
            }
            InboundMessage oldest = newest.peekFirst();
            if (oldest != null && from >= oldest.seq() - 1) {
                return CompletableFuture.completedFuture(fromMemory(from, limit, cutoff, held));
            }
        }
        return storage.read(connectionId, from, upTo, limit)
                .thenApply(page -> page.stream().filter(m -> retained(m, cutoff, held)).toList());
    }

    private static boolean retained(InboundMessage m, Instant cutoff, long held) {
        return m.seq() > held || !m.receivedAt().isBefore(cutoff);
    }

    private List<InboundMessage> fromMemory(long after, int limit, Instant cutoff, long held) {
        List<InboundMessage> page = new ArrayList<>(Math.min(limit, newest.size()));
        Iterator<InboundMessage> it = newest.iterator();
        while (it.hasNext() && page.size() < limit) {
            InboundMessage m = it.next();
            if (m.seq() > after && retained(m, cutoff, held)) {
                page.add(m);
            }
        }
        return page;
    }

    /** The newest retained text message (among those in memory) that {@code matches}; kept across restarts. */
    public synchronized Optional<String> newestText(Predicate<String> matches) {
        Instant cutoff = clock.instant().minus(settings.retainFor());
        Iterator<InboundMessage> it = newest.descendingIterator();
        while (it.hasNext()) {
            InboundMessage m = it.next();
            if (m.receivedAt().isBefore(cutoff)) {
                break;
            }
            if (InboundMessage.TEXT.equals(m.type()) && matches.test(m.data())) {
                return Optional.of(m.data());
            }
        }
        return Optional.empty();
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
