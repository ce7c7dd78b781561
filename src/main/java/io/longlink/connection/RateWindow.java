package io.longlink.connection;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * At most {@code limit} uses in any window of length {@code per}, with waiting: a sliding window log (the times of
 * the last {@code limit} uses), so there is no burst above the limit across a window's edge, as a fixed window would
 * allow. A use is granted right before the frame is written or the handshake started, and is held (it occupies its
 * place, and cannot leave the window) until its user {@link #settle settles} it once the write or the handshake
 * completed; only then is it stamped, with that moment. So the upstream, which counts when a frame or a handshake
 * arrives, never sees more than the limit in a window however late the write left (a busy event loop, a slow DNS
 * answer at start-up): it arrived before it completed, and the next use is granted only a window after that. Times
 * come from the injected {@link Timers}, so tests run it on fake time.
 *
 * <p>Whoever asks while nothing is free (or while others wait) waits: waiters are served first come, first served,
 * {@code urgent} ones (an on-open step, a heartbeat) ahead of the others, from one timer that fires when the oldest
 * use leaves the window. A waiter is told how many uses it got and answers how many it used; the rest (a socket that
 * ended meanwhile, a connection no longer reconnecting) go to the next waiter, so nothing is wasted on the gone.
 *
 * <p>Serves a connection's frames ({@link SendRate}, {@code send-rate.*}) and an instance's handshakes per host
 * ({@link ConnectRates}, {@code longlink.upstreams.connect-rates[i]}). All mutable state is guarded by {@code this};
 * waiters are called outside the lock.
 */
final class RateWindow {

    /** Someone waiting for uses. */
    interface Waiter {
        /** {@code granted} uses (at least one, at most what it asked) are taken for it; returns how many it used. */
        int granted(int granted);
    }

    private record Waiting(int wanted, Waiter waiter) {
    }

    private record Grant(Waiting waiting, int count) {
    }

    private final int limit;
    private final long perNanos;
    private final Timers timers;
    /** Ring of the times ({@link Timers#nanoTime()}) of the last uses still in the window, oldest at {@code oldest}. */
    private final long[] uses;
    private int oldest;
    private int count;
    /** Uses granted and not yet settled: they occupy places but have no time yet. */
    private int held;
    private final ArrayDeque<Waiting> urgent = new ArrayDeque<>();
    private final ArrayDeque<Waiting> others = new ArrayDeque<>();
    /** The timer that serves the waiters, or -1. */
    private long timer = -1;
    /** Times someone had to wait. */
    private long waits;

    RateWindow(int limit, Duration per, Timers timers) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
        this.perNanos = Math.max(1, per.toNanos());
        this.timers = timers;
        this.uses = new long[limit];
    }

    int limit() {
        return limit;
    }

    Duration per() {
        return Duration.ofNanos(perNanos);
    }

    /**
     * Takes up to {@code wanted} uses: returns how many are granted now (at least one), or 0 when none is free for it
     * now; then {@code later} is called once its turn came, from a timer. Every use granted is either settled
     * ({@link #settle}) once done or given back ({@link #release}, or {@code later} answering fewer).
     */
    int take(int wanted, boolean isUrgent, Waiter later) {
        synchronized (this) {
            long now = timers.nanoTime();
            expireLocked(now);
            boolean ahead = !urgent.isEmpty() || !isUrgent && !others.isEmpty();
            int free = limit - count - held;
            if (!ahead && free > 0) {
                int n = Math.min(wanted, free);
                held += n;
                return n;
            }
            (isUrgent ? urgent : others).add(new Waiting(Math.max(1, wanted), later));
            waits++;
            armLocked(now);
            return 0;
        }
    }

    /**
     * How long the last of the waiters, and each one before it, waits for one use each (exact when every waiter
     * takes one use and none gives it back, as for handshakes), in nanoseconds from now; 0 when one is free.
     */
    synchronized long waitNanos() {
        long now = timers.nanoTime();
        expireLocked(now);
        int free = limit - count - held;
        long position = urgent.size() + others.size() - 1L;
        if (position < free) {
            return 0;
        }
        long j = position - free;
        int r = (int) (j % limit);
        long rounds = j / limit + 1;
        long base = r < count ? uses[(oldest + r) % limit] : now;
        return Math.max(0, base + rounds * perNanos - now);
    }

    /** Times someone had to wait so far. */
    synchronized long waits() {
        return waits;
    }

    /** Uses in the window now, held ones included. */
    synchronized int inWindow() {
        expireLocked(timers.nanoTime());
        return count + held;
    }

    /** {@code n} uses granted earlier are done (written, handshaken): they count from now, for one window. */
    void settle(int n) {
        synchronized (this) {
            long now = timers.nanoTime();
            expireLocked(now);
            int k = Math.min(n, held);
            held -= k;
            recordLocked(now, k);
            armLocked(now);
        }
    }

    /** {@code n} uses granted earlier were not used: their places go to the next in line. */
    void release(int n) {
        synchronized (this) {
            held -= Math.min(n, held);
            armLocked(timers.nanoTime());
        }
    }

    /** The uses of the last {@code per} of {@code other} count here too (new settings keep the history). */
    void inherit(RateWindow other) {
        long[] theirs;
        synchronized (other) {
            other.expireLocked(other.timers.nanoTime());
            theirs = new long[other.count];
            for (int i = 0; i < other.count; i++) {
                theirs[i] = other.uses[(other.oldest + i) % other.limit];
            }
        }
        synchronized (this) {
            for (int i = Math.max(0, theirs.length - limit); i < theirs.length; i++) {
                recordLocked(theirs[i], 1);
            }
        }
    }

    /** Serves the waiters whose turn came; called by the timer. */
    private void serve() {
        while (true) {
            List<Grant> grants = new ArrayList<>();
            synchronized (this) {
                timer = -1;
                long now = timers.nanoTime();
                expireLocked(now);
                while (count + held < limit && (!urgent.isEmpty() || !others.isEmpty())) {
                    Waiting next = !urgent.isEmpty() ? urgent.poll() : others.poll();
                    int n = Math.min(next.wanted(), limit - count - held);
                    held += n;
                    grants.add(new Grant(next, n));
                }
                armLocked(now);
            }
            boolean givenBack = false;
            for (Grant grant : grants) {
                int used = grant.waiting().waiter().granted(grant.count());
                if (used < grant.count()) {
                    synchronized (this) {
                        held -= Math.min(held, grant.count() - Math.max(0, used));
                    }
                    givenBack = true;
                }
            }
            if (!givenBack) {
                return;
            }
        }
    }

    private void expireLocked(long now) {
        while (count > 0 && now - uses[oldest] >= perNanos) {
            oldest = (oldest + 1) % limit;
            count--;
        }
    }

    private void recordLocked(long at, int n) {
        for (int i = 0; i < n; i++) {
            if (count == limit) {
                oldest = (oldest + 1) % limit;
                count--;
            }
            uses[(oldest + count) % limit] = at;
            count++;
        }
    }

    /**
     * Sets the timer for the moment a place frees (at once when one is free, else when the oldest use leaves the
     * window), when someone waits and none is set; none while every place is held (a settle or release arms it).
     */
    private void armLocked(long now) {
        if (timer != -1 || urgent.isEmpty() && others.isEmpty() || count == 0 && held >= limit) {
            return;
        }
        long dueNanos = count + held < limit ? 0 : uses[oldest] + perNanos - now;
        // whole milliseconds, rounded up: a timer that fired early would only find nothing free and wait again
        long millis = Math.max(0, (dueNanos + 999_999) / 1_000_000);
        timer = timers.schedule(Duration.ofMillis(millis), this::serve);
    }
}
