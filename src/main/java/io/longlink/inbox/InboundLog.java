package io.longlink.inbox;

import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
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
 * <p>The way in does as little as it can, on the socket's event loop: an append numbers the frame, puts it in the
 * {@link InboundWindow} and, with a durable store, asks the store writer for a flush when none is pending (one job
 * per log and transaction, not one per frame: the writer takes every frame that arrived since its last flush into
 * its next group commit). Then listeners are told, and a listener only signals: consumers (SSE streams, the
 * webhook, cursor reads) read pages on their own threads, so no consumer work ever runs inside an append.
 *
 * <p>Retention: the newest {@code inbound.retain} messages no older than {@code inbound.retain-for}. The window
 * holds the newest {@link InboundStorage#cacheSize} stored messages (and, with a durable store, those of the last
 * commit and those not committed yet); a page there costs O(page); an older page is read from the store, off the
 * event loop. A {@link RetentionHold} (the webhook's delivered cursor) keeps every message above it readable
 * whatever the retention says: on disk for a durable store, in the window for the memory store (its only copy).
 *
 * <p>All mutable state is guarded by {@code this}; listeners are called outside it.
 */
public final class InboundLog {

    /** Messages beyond the retention that the memory store drops at once. */
    private static final int TRIM_STEP = 256;

    private final String connectionId;
    private final InboundSettings settings;
    private final int cacheSize;
    /**
     * The newest messages that keep their encoded event ({@link InboundJson#event}): {@code inbound.cache}. A durable
     * store's window holds little more; the memory store's holds everything retained, and cools the older ones.
     */
    private final int hot;
    private final InboundStorage storage;
    private final Clock clock;
    /** Messages above this seq are kept and readable beyond the retention (see {@link RetentionHold}). */
    private final LongSupplier hold;
    /** Seq of the newest message numbered. */
    private long assignedSeq;
    /** Seq of the newest message given to a store transaction (durable store). */
    private long writtenSeq;
    /** Seq of the newest stored (readable) message, 0 before the first. */
    private long storedSeq;
    /** A flush job is in the writer's queue and has not taken its frames yet. */
    private boolean flushQueued;
    /** The newest stored messages, then those not stored yet; seq {@code assignedSeq} is the newest. */
    private final InboundWindow window;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Cluster mode: this instance no longer owns the connection (see {@link #release}). */
    private boolean released;

    InboundLog(String connectionId, InboundSettings settings, InboundStorage storage, Clock clock,
            LongSupplier hold) {
        this.connectionId = connectionId;
        this.hold = hold;
        this.settings = settings;
        this.cacheSize = storage.cacheSize(settings);
        this.hot = Math.min(settings.cache(), settings.retain());
        this.storage = storage;
        this.clock = clock;
        this.window = new InboundWindow(1);
        load(storage.tail(connectionId));
    }

    private void load(InboundStorage.Tail tail) {
        assignedSeq = tail.lastSeq();
        writtenSeq = tail.lastSeq();
        storedSeq = tail.lastSeq();
        List<InboundMessage> newest = tail.newest();
        window.clear(newest.isEmpty() ? tail.lastSeq() + 1 : newest.get(0).seq());
        newest.forEach(window::add);
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
        synchronized (this) {
            released = false;
            flushQueued = false;
            load(tail);
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
        append(InboundMessage.TEXT, text);
    }

    /** A binary frame arrived; never blocks. */
    public void appendBinary(byte[] bytes) {
        append(InboundMessage.BINARY, Base64.getEncoder().encodeToString(bytes));
    }

    private void append(String type, String data) {
        boolean published = storage.memoryOnly();
        boolean flush = false;
        synchronized (this) {
            window.add(new InboundMessage(++assignedSeq, Instant.ofEpochMilli(clock.millis()), type, data));
            if (published) {
                storedSeq = assignedSeq;
                writtenSeq = assignedSeq;
                long cold = assignedSeq - hot;
                if (cold >= window.firstSeq()) {
                    window.get(cold).cool();
                }
                trim(storedSeq);
            } else if (!flushQueued) {
                flushQueued = true;
                flush = true;
            }
        }
        if (flush) {
            storage.flush(this);
        }
        if (published) {
            notifyListeners();
        }
    }

    /**
     * The store writer takes the frames not given to a transaction yet (and the next append asks for a new flush).
     * On the writer thread.
     */
    synchronized List<InboundMessage> unwritten() {
        flushQueued = false;
        if (writtenSeq >= assignedSeq || writtenSeq + 1 < window.firstSeq()) {
            return List.of();
        }
        List<InboundMessage> frames = window.range(writtenSeq + 1, assignedSeq);
        writtenSeq = assignedSeq;
        return frames;
    }

    /** The transaction that held the frames up to {@code seq} committed: they are readable. On the writer thread. */
    void committed(long seq) {
        synchronized (this) {
            if (seq <= storedSeq) {
                return;
            }
            long before = storedSeq;
            storedSeq = seq;
            trim(before);
        }
        notifyListeners();
    }

    /** The transaction that held unwritten frames was rolled back: they are given to the next one again. */
    synchronized void rewind() {
        writtenSeq = storedSeq;
    }

    /**
     * Drops the oldest messages, keeping the {@code cacheSize} newest up to {@code newest} and all after it (the
     * memory store: also what the hold keeps). A durable store passes the seq stored before the commit that just
     * landed, so the frames of that commit stay in memory until the next one, however many they are: they were
     * already held while the commit ran, and a reader that follows the feed reads them from here, not from disk
     * (a group commit is often larger than the cache).
     */
    private void trim(long newest) {
        long keepFrom = newest - cacheSize + 1;
        // the memory store trims every TRIM_STEP frames, not after each: the hold is looked up once per step (it was a
        // tenth of the socket loop's time at 400k frames/s); a read never sees the extra ones, it stops at the retention
        if (window.firstSeq() + (storage.memoryOnly() ? TRIM_STEP : 1) > keepFrom) {
            return;
        }
        long held = storage.memoryOnly() ? hold.getAsLong() : Long.MAX_VALUE;
        while (window.firstSeq() < keepFrom && window.firstSeq() <= held && !window.isEmpty()) {
            window.dropOldest();
        }
    }

    /**
     * Up to {@code limit} retained messages with a seq above {@code after}, oldest first. Completes at once when
     * the page is in memory (O(page)); otherwise after a read from the store, on the caller's Vert.x context when it
     * was called on one.
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
            if (storage.memoryOnly()) {
                // the window is the only copy: what it no longer holds is gone
                from = Math.max(from, window.firstSeq() - 1);
            }
            if (from >= upTo) {
                return CompletableFuture.completedFuture(List.of());
            }
            if (from + 1 >= window.firstSeq()) {
                // retained: above the hold, or received since the cut-off (a suffix, as receivedAt grows with seq)
                long fresh = window.firstReceivedSince(cutoff, from + 1, upTo);
                long start = Math.max(from + 1, held < fresh ? held + 1 : fresh);
                if (start > upTo) {
                    return CompletableFuture.completedFuture(List.of());
                }
                return CompletableFuture.completedFuture(window.range(start, Math.min(upTo, start - 1 + limit)));
            }
        }
        return storage.read(connectionId, from, upTo, limit, cutoff, held);
    }

    /** The newest retained text message (among those in memory) that {@code matches}; kept across restarts. */
    public synchronized Optional<String> newestText(Predicate<String> matches) {
        Instant cutoff = clock.instant().minus(settings.retainFor());
        for (long seq = storedSeq; seq >= window.firstSeq() && !window.isEmpty(); seq--) {
            InboundMessage m = window.get(seq);
            if (m.receivedAt().isBefore(cutoff)) {
                break;
            }
            if (InboundMessage.TEXT.equals(m.type()) && matches.test(m.data())) {
                return Optional.of(m.data());
            }
        }
        return Optional.empty();
    }

    /**
     * {@code listener} runs after each publication, on the thread that published (the socket's event loop, or the
     * store writer): it must only signal its consumer, which reads on its own thread.
     */
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
