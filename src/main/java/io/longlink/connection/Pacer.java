package io.longlink.connection;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Flow control of one connection's enqueues ({@code outbox.pace-above}, {@code outbox.pace-timeout}): while the
 * connection is open and its outbox holds more than {@code pace-above} messages, the answer to an enqueue (the
 * message is already stored) is held until the socket has caught up, or for at most {@code pace-timeout}. A
 * producer that waits for its 202s, as HTTP clients do, is so slowed to the upstream's pace, instead of filling the
 * outbox until it answers 503 {@code outbox-full}; one that does not wait loses nothing either way.
 *
 * <p>Held answers are completed oldest first, never under the connection's lock: after a flush step wrote
 * messages and the outbox is back at or below the threshold ({@link #delivered}), when the socket ends
 * ({@link #releaseAll}), or when the oldest held one reaches its timeout. Guarded by {@code this}; answers are
 * completed outside the lock.
 */
final class Pacer {

    private record Held<T>(CompletableFuture<T> answer, T value, long deadlineNanos) {
        void release() {
            answer.complete(value);
        }
    }

    private final Timers timers;
    private final ArrayDeque<Held<?>> held = new ArrayDeque<>();
    /** The timer for the oldest held answer's deadline, or -1. */
    private long timer = -1;

    Pacer(Timers timers) {
        this.timers = timers;
    }

    /**
     * The answer to an enqueue whose message is stored: {@code value} now, or held while {@code queued} is above
     * {@code paceAbove} (0: never held) on an open connection.
     */
    <T> CompletionStage<T> pace(T value, boolean open, int queued, int paceAbove, Duration timeout) {
        if (!open || paceAbove <= 0 || queued <= paceAbove) {
            return CompletableFuture.completedFuture(value);
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        synchronized (this) {
            held.addLast(new Held<>(answer, value, timers.nanoTime() + timeout.toNanos()));
            if (timer < 0) {
                timer = timers.schedule(timeout, this::timedOut);
            }
        }
        return answer;
    }

    /** A flush step wrote messages and {@code queued} wait now: the held answers go once it is at most {@code paceAbove}. */
    void delivered(int queued, int paceAbove) {
        if (queued <= paceAbove) {
            releaseAll();
        }
    }

    /** Completes every held answer (the socket ended, or the outbox caught up). */
    void releaseAll() {
        List<Held<?>> released;
        synchronized (this) {
            if (held.isEmpty()) {
                return;
            }
            released = new ArrayList<>(held);
            held.clear();
            timers.cancel(timer);
            timer = -1;
        }
        released.forEach(Held::release);
    }

    private void timedOut() {
        List<Held<?>> released = new ArrayList<>();
        synchronized (this) {
            timer = -1;
            long now = timers.nanoTime();
            while (!held.isEmpty() && held.peekFirst().deadlineNanos() <= now) {
                released.add(held.pollFirst());
            }
            if (!held.isEmpty()) {
                long wait = Math.max(1, held.peekFirst().deadlineNanos() - now);
                timer = timers.schedule(Duration.ofNanos(wait), this::timedOut);
            }
        }
        released.forEach(Held::release);
    }
}
