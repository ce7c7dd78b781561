package io.longlink.connection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/** {@link Timers} on fake time: nothing runs until a test calls {@link #advance}. */
final class ManualTimers implements Timers {

    private record Task(long id, long dueNanos, long periodNanos, Runnable action) {
    }

    private final PriorityQueue<Task> queue = new PriorityQueue<>(
            Comparator.comparingLong(Task::dueNanos).thenComparingLong(Task::id));
    private final Map<Long, Task> live = new HashMap<>();
    private long now;
    private long nextId = 1;

    @Override
    public synchronized long schedule(Duration delay, Runnable action) {
        return add(delay.toNanos(), 0, action);
    }

    @Override
    public synchronized long periodic(Duration period, Runnable action) {
        return add(period.toNanos(), period.toNanos(), action);
    }

    private long add(long delayNanos, long periodNanos, Runnable action) {
        Task task = new Task(nextId++, now + delayNanos, periodNanos, action);
        queue.add(task);
        live.put(task.id(), task);
        return task.id();
    }

    @Override
    public synchronized void cancel(long timerId) {
        Task task = live.remove(timerId);
        if (task != null) {
            queue.remove(task);
        }
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    /** A wall clock that starts at {@code start} and moves with this fake time. */
    Clock clock(Instant start) {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return start.plusNanos(nanoTime());
            }
        };
    }

    /** Moves fake time forward, running every timer that falls due, in order. */
    void advance(Duration by) {
        long until;
        synchronized (this) {
            until = now + by.toNanos();
        }
        while (true) {
            Task due;
            synchronized (this) {
                due = queue.peek();
                if (due == null || due.dueNanos() > until) {
                    now = until;
                    return;
                }
                queue.poll();
                now = due.dueNanos();
                if (due.periodNanos() > 0) {
                    Task next = new Task(due.id(), due.dueNanos() + due.periodNanos(), due.periodNanos(), due.action());
                    queue.add(next);
                    live.put(next.id(), next);
                } else {
                    live.remove(due.id());
                }
            }
            due.action().run();
        }
    }
}
