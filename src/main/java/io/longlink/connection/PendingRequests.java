package io.longlink.connection;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import io.longlink.outbox.OutboundMessage;

/**
 * The requests of one connection ({@code POST /connections/{id}/requests}) from arrival to answer. It outlives the
 * connection's sockets: a request that waits is written by whichever socket is ready first; a written one belongs to
 * the socket that wrote it.
 *
 * <pre>
 *  WAITING ── taken by a flush step ──► WRITTEN ── its reply arrives ──────► replied (200)
 *     │                                   ├──── timeout ──────────────────► reply-timeout (504)
 *     │                                   └──── its socket ended ─────────► socket-lost (502)
 *     └── timeout ──► not-sent (503): withdrawn, never written
 * </pre>
 *
 * <ul>
 * <li>Written at most once, ever: a request leaves WAITING once, under the lock, to be written or withdrawn; only a
 * flush step that took requests and then found no socket to hand them to gives them back ({@link #giveBack}).
 * Requests are never stored, so nothing replays them on a later socket or after a restart.</li>
 * <li>Order: each request remembers {@code after}, the newest outbox message waiting when it arrived; a flush step
 * takes it only once no message up to that one waits ({@link #take}), and before any later message, so requests
 * and outbox messages leave in arrival order through the one flush loop.</li>
 * <li>Replies are matched by id in O(1) ({@link #match}); the in-flight table holds at most
 * {@code requests.max-in-flight} requests (waiting and written), and ids are unique in it.</li>
 * <li>Fresh ids ({@link #freshId}) count up from the wall clock's milliseconds at creation times 1000: unique for
 * the connection across restarts unless more than a thousand were taken per millisecond the previous process lived
 * (or the clock went back), and below 2<sup>53</sup>, so JavaScript callers read them exactly.</li>
 * </ul>
 *
 * <p>All mutable state is guarded by {@code this}; answers are completed, timers cancelled and the observer told
 * outside the lock.
 */
final class PendingRequests {

    private enum Stage {
        WAITING, WRITTEN, DONE
    }

    /** One request in flight. */
    static final class Pending {
        final String id;
        /** The text frame, as the flush loop writes it. */
        final OutboundMessage frame;
        /** The newest outbox message waiting when it arrived (0: none): it goes out after that one. */
        final long after;
        final CompletableFuture<Reply> answer = new CompletableFuture<>();
        /** Guarded by the {@link PendingRequests}. */
        private Stage stage = Stage.WAITING;
        /** The socket (its session) the request was handed to, once WRITTEN. */
        private Object socket;
        private long writtenNanos;
        /** From the write to the reply, once replied. */
        private long roundTripNanos;
        private long timer = -1;

        private Pending(String id, OutboundMessage frame, long after) {
            this.id = id;
            this.frame = frame;
            this.after = after;
        }
    }

    private final String connectionId;
    private final Timers timers;
    private final Clock clock;
    private final ConnectionObserver observer;
    private final AtomicLong freshIds;
    /** Requests waiting or written, by id. */
    private final Map<String, Pending> inFlight = new HashMap<>();
    /** Requests waiting to be written, in arrival order. */
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    /** {@code inFlight.size()}, readable without the lock: the socket's reader skips all work at 0. */
    private volatile int inFlightCount;
    /** {@code waiting.size()}, readable without the lock: a flush step skips requests at 0. */
    private volatile int waitingCount;
    /** Where replies are looked for; replaced with the settings. */
    private volatile RequestIds ids;

    PendingRequests(String connectionId, RequestIds ids, Timers timers, Clock clock, ConnectionObserver observer) {
        this.connectionId = connectionId;
        this.ids = ids;
        this.timers = timers;
        this.clock = clock;
        this.observer = observer;
        this.freshIds = new AtomicLong(clock.millis() * 1000);
    }

    /** New settings: replies are looked for at the new pointer from now on. */
    void reconfigure(RequestIds newIds) {
        this.ids = newIds;
    }

    RequestIds ids() {
        return ids;
    }

    /** A number no earlier request of this connection carried (see the class note). */
    long freshId() {
        return freshIds.incrementAndGet();
    }

    /**
     * Takes a request in: it waits for a flush step, at most {@code timeout} for its write and its reply together.
     * The stage fails at once with {@link RequestOutcome#DUPLICATE_REQUEST_ID} or
     * {@link RequestOutcome#TOO_MANY_REQUESTS}, nothing kept.
     *
     * @param after the newest outbox message waiting now (0: none)
     */
    CompletionStage<Reply> submit(RequestIds.Identified request, long after, Duration timeout, int maxInFlight) {
        OutboundMessage frame = new OutboundMessage(0, false, request.text().getBytes(StandardCharsets.UTF_8),
                clock.instant());
        Pending pending = new Pending(request.id(), frame, after);
        RequestFailedException refused = null;
        synchronized (this) {
            if (inFlight.containsKey(request.id())) {
                refused = new RequestFailedException(RequestOutcome.DUPLICATE_REQUEST_ID, request.id(),
                        "a request with id " + request.id() + " is in flight on connection " + connectionId
                                + "; ids must be unique among the requests waiting for a reply");
            } else if (inFlight.size() >= maxInFlight) {
                refused = new RequestFailedException(RequestOutcome.TOO_MANY_REQUESTS, request.id(), maxInFlight
                        + " requests are in flight on connection " + connectionId + " (requests.max-in-flight)"
                        + "; nothing was sent, retry later");
            } else {
                inFlight.put(pending.id, pending);
                waiting.addLast(pending);
                inFlightCount = inFlight.size();
                waitingCount = waiting.size();
                pending.timer = timers.schedule(timeout, () -> timedOut(pending, timeout));
            }
        }
        if (refused != null) {
            observer.requestEnded(connectionId, refused.outcome(), -1);
            return CompletableFuture.failedFuture(refused);
        }
        return pending.answer;
    }

    /** Whether a request waits to be written. */
    boolean anyWaiting() {
        return waitingCount > 0;
    }

    /** How many requests wait to be written. */
    int waiting() {
        return waitingCount;
    }

    /** Requests waiting or written, not answered yet. */
    int inFlight() {
        return inFlightCount;
    }

    /**
     * Hands the waiting requests that go before outbox message {@code before} (all of them with
     * {@link Long#MAX_VALUE}) to {@code socket}, oldest first, at most {@code max}: they are WRITTEN from now on and
     * the caller must write their frames, in this order, to that socket.
     */
    List<Pending> take(long before, int max, Object socket) {
        if (waitingCount == 0 || max <= 0) {
            return List.of();
        }
        List<Pending> taken = null;
        long now = timers.nanoTime();
        synchronized (this) {
            while (!waiting.isEmpty() && waiting.peekFirst().after < before && (taken == null || taken.size() < max)) {
                Pending next = waiting.pollFirst();
                next.stage = Stage.WRITTEN;
                next.socket = socket;
                next.writtenNanos = now;
                if (taken == null) {
                    taken = new ArrayList<>();
                }
                taken.add(next);
            }
            waitingCount = waiting.size();
        }
        return taken == null ? List.of() : taken;
    }

    /**
     * A flush step took these requests but had no socket to write them to: they wait again, at the head, in their
     * order (unless their timeout passed meanwhile).
     */
    void giveBack(List<Pending> taken) {
        if (taken.isEmpty()) {
            return;
        }
        synchronized (this) {
            for (int i = taken.size() - 1; i >= 0; i--) {
                Pending p = taken.get(i);
                if (p.stage == Stage.WRITTEN) {
                    p.stage = Stage.WAITING;
                    p.socket = null;
                    waiting.addFirst(p);
                }
            }
            waitingCount = waiting.size();
        }
    }

    /**
     * An inbound text message: when it carries the id of a written request at the reply pointer, it is that request's
     * reply: the request is done and returned, to be answered with {@link #answer} once the message is logged; else
     * null.
     */
    Pending match(String text) {
        if (inFlightCount == 0) {
            return null;
        }
        String id = ids.replyId(text);
        if (id == null) {
            return null;
        }
        long now = timers.nanoTime();
        synchronized (this) {
            Pending pending = inFlight.get(id);
            if (pending == null || pending.stage != Stage.WRITTEN) {
                return null;
            }
            finishLocked(pending);
            pending.roundTripNanos = Math.max(0, now - pending.writtenNanos);
            return pending;
        }
    }

    /** Answers a request {@link #match} found with its reply. */
    void answer(Pending pending, String reply) {
        timers.cancel(pending.timer);
        observer.requestEnded(connectionId, RequestOutcome.REPLIED, pending.roundTripNanos);
        pending.answer.complete(new Reply(pending.id, reply, pending.roundTripNanos));
    }

    /** The socket the requests were written to ended: each one still without its reply is {@code socket-lost}. */
    void socketEnded(Object socket, String reason) {
        if (inFlightCount == 0) {
            return;
        }
        List<Pending> lost = new ArrayList<>();
        synchronized (this) {
            for (Pending p : inFlight.values()) {
                if (p.stage == Stage.WRITTEN && p.socket == socket) {
                    lost.add(p);
                }
            }
            lost.forEach(this::finishLocked);
        }
        for (Pending p : lost) {
            fail(p, RequestOutcome.SOCKET_LOST, "request " + p.id + " was written to connection " + connectionId
                    + ", then the socket ended (" + reason + ") before its reply: its outcome is unknown;"
                    + " it is never re-sent");
        }
    }

    /**
     * Completes once every request written to {@code socket} so far has its answer: a reply, a timeout, or the
     * socket's end (each one's timeout bounds the wait).
     */
    CompletionStage<Void> settled(Object socket) {
        if (inFlightCount == 0) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<?>> answers = new ArrayList<>();
        synchronized (this) {
            for (Pending p : inFlight.values()) {
                if (p.stage == Stage.WRITTEN && p.socket == socket) {
                    answers.add(p.answer.handle((reply, failure) -> null));
                }
            }
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new));
    }

    private void timedOut(Pending pending, Duration timeout) {
        Stage was;
        synchronized (this) {
            was = pending.stage;
            if (was == Stage.DONE) {
                return;
            }
            if (was == Stage.WAITING) {
                waiting.remove(pending);
                waitingCount = waiting.size();
            }
            finishLocked(pending);
        }
        if (was == Stage.WAITING) {
            fail(pending, RequestOutcome.NOT_SENT, "request " + pending.id + " could not be written to connection "
                    + connectionId + " within " + DurationText.of(timeout)
                    + " (no socket ready): it is withdrawn and will never be written");
        } else {
            fail(pending, RequestOutcome.REPLY_TIMEOUT, "request " + pending.id + " was written to connection "
                    + connectionId + " but no reply came within " + DurationText.of(timeout)
                    + ": its outcome is unknown; it is never re-sent");
        }
    }

    private void finishLocked(Pending pending) {
        pending.stage = Stage.DONE;
        if (inFlight.get(pending.id) == pending) {
            inFlight.remove(pending.id);
        }
        inFlightCount = inFlight.size();
    }

    private void fail(Pending pending, RequestOutcome outcome, String detail) {
        timers.cancel(pending.timer);
        observer.requestEnded(connectionId, outcome, -1);
        pending.answer.completeExceptionally(new RequestFailedException(outcome, pending.id, detail));
    }
}
