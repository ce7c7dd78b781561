package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The sliding window on fake time: never more than the limit in any window, waiters served in order. */
class RateWindowTest {

    private final ManualTimers timers = new ManualTimers();
    private final RateWindow window = new RateWindow(5, Duration.ofSeconds(1), timers);
    /** When each use was taken, in fake milliseconds. */
    private final List<Long> taken = new ArrayList<>();

    private long nowMillis() {
        return timers.nanoTime() / 1_000_000;
    }

    /** {@code n} uses granted now are used at once: recorded and settled. */
    private void takeAt(int n) {
        for (int i = 0; i < n; i++) {
            taken.add(nowMillis());
        }
        window.settle(n);
    }

    /** Most uses in any window [t, t + 1000 ms) over what was taken. */
    private int mostInAnyWindow() {
        int most = 0;
        for (int i = 0; i < taken.size(); i++) {
            int n = 0;
            for (long t : taken) {
                if (t >= taken.get(i) && t < taken.get(i) + 1000) {
                    n++;
                }
            }
            most = Math.max(most, n);
        }
        return most;
    }

    @Test
    void aBurstGetsTheLimitAtOnceAndTheRestOneWindowLaterInOrder() {
        List<String> served = new ArrayList<>();
        assertEquals(5, window.take(8, false, n -> 0), "five of eight at once");
        takeAt(5);
        for (String name : List.of("a", "b", "c")) {
            assertEquals(0, window.take(1, false, n -> {
                served.add(name);
                takeAt(n);
                return n;
            }));
        }
        assertEquals(3, window.waits());
        timers.advance(Duration.ofMillis(999));
        assertEquals(List.of(), served, "not one before the oldest use left the window");
        timers.advance(Duration.ofMillis(1));
        assertEquals(List.of("a", "b", "c"), served);
        assertEquals(5, mostInAnyWindow());
    }

    @Test
    void aSteadyStreamNeverExceedsTheLimitInAnyWindow() {
        // a writer that always wants more: takes what it is given, asks again at once, like the flush loop
        Runnable[] loop = new Runnable[1];
        int[] left = { 40 };
        loop[0] = () -> {
            while (left[0] > 0) {
                int n = window.take(Math.min(left[0], 8), false, granted -> {
                    takeAt(granted);
                    left[0] -= granted;
                    timers.schedule(Duration.ZERO, loop[0]);
                    return granted;
                });
                if (n == 0) {
                    return;
                }
                takeAt(n);
                left[0] -= n;
            }
        };
        loop[0].run();
        for (int i = 0; i < 100 && left[0] > 0; i++) {
            timers.advance(Duration.ofMillis(137));
        }
        assertEquals(0, left[0]);
        assertEquals(40, taken.size());
        assertEquals(5, mostInAnyWindow());
        assertEquals(7000, taken.get(39) - taken.get(0), "40 uses at 5 per second: the last one 7 s after the first");
    }

    @Test
    void urgentWaitersGoFirstAndUnusedGrantsGoToTheNext() {
        window.take(5, false, n -> 0);
        window.settle(5);
        List<String> served = new ArrayList<>();
        window.take(3, false, n -> {
            served.add("flush:" + n);
            window.settle(n);
            return n;
        });
        window.take(1, true, n -> {
            served.add("heartbeat");
            window.settle(n);
            return n;
        });
        window.take(1, true, n -> {
            served.add("gone");
            return 0; // its socket ended meanwhile
        });
        window.take(1, false, n -> {
            served.add("later");
            window.settle(n);
            return n;
        });
        timers.advance(Duration.ofSeconds(1));
        assertEquals(List.of("heartbeat", "gone", "flush:3", "later"), served,
                "urgent ones first; what the gone one gave back goes to the next waiting");
        assertEquals(5, window.inWindow());
    }

    @Test
    void theWaitOfEachWaiterIsForeseen() {
        RateWindow slots = new RateWindow(2, Duration.ofSeconds(1), timers);
        List<Long> servedAt = new ArrayList<>();
        slots.take(1, false, n -> 0);
        slots.settle(1);
        timers.advance(Duration.ofMillis(400));
        slots.take(1, false, n -> 0);
        slots.settle(1);
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            slots.take(1, false, n -> {
                servedAt.add(nowMillis());
                slots.settle(1);
                return 1;
            });
            expected.add(nowMillis() + slots.waitNanos() / 1_000_000);
        }
        assertEquals(List.of(1000L, 1400L, 2000L, 2400L, 3000L), expected);
        timers.advance(Duration.ofSeconds(5));
        assertEquals(expected, servedAt);
    }

    @Test
    void newSettingsKeepTheUsesOfTheLastWindow() {
        window.take(5, false, n -> 0);
        window.settle(5);
        RateWindow slower = new RateWindow(3, Duration.ofSeconds(1), timers);
        slower.inherit(window);
        assertEquals(0, slower.take(1, false, n -> n), "three of the five still count against the new limit of 3");
        timers.advance(Duration.ofSeconds(1));
        assertEquals(1, slower.inWindow());
    }

    @Test
    void aUseCountsFromWhenItWasSettledAndHeldOnesNeverLeaveTheWindow() {
        assertEquals(5, window.take(5, false, n -> 0), "granted, the writes still under way (a busy event loop)");
        List<Long> servedAt = new ArrayList<>();
        window.take(1, false, n -> {
            servedAt.add(nowMillis());
            return n;
        });
        timers.advance(Duration.ofSeconds(3));
        assertEquals(List.of(), servedAt, "nothing leaves the window before it was written");
        window.settle(5);
        timers.advance(Duration.ofMillis(999));
        assertEquals(List.of(), servedAt, "counted from when they were written");
        timers.advance(Duration.ofMillis(1));
        assertEquals(List.of(4000L), servedAt);
        assertEquals(1, window.inWindow(), "the five left a window after they were written; the new one is held");
        window.release(1);
        assertEquals(0, window.inWindow(), "a place given back unused is free again");
    }
}
