package io.longlink.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Numbers summed over the items present (connections, webhooks), for {@code longlink.metrics.per-connection=false}:
 * one series per number whatever the number of items. A counter also keeps what removed (or replaced) items had
 * counted, so a total never goes down when an item goes away; a gauge is the sum over the items present.
 *
 * @param <T> the kind of item, read when scraped
 */
final class Totals<T> {

    /** The items present, by id. */
    private final Map<String, T> present = new ConcurrentHashMap<>();
    /** For each counter's reader, what the items gone had counted. */
    private final Map<ToDoubleFunction<T>, DoubleAdder> gone = new ConcurrentHashMap<>();

    /** Adds (or replaces) item {@code id}; a replaced item's counts are kept. */
    void add(String id, T item) {
        T replaced = present.put(id, item);
        if (replaced != null && replaced != item) {
            keepCounts(replaced);
        }
    }

    /** Removes item {@code id}, keeping its counts; whether it was present. */
    boolean remove(String id) {
        T removed = present.remove(id);
        if (removed != null) {
            keepCounts(removed);
        }
        return removed != null;
    }

    boolean contains(String id) {
        return present.containsKey(id);
    }

    /** A monotonic total of {@code read}: the items gone plus the items present. */
    ToDoubleFunction<Totals<T>> counter(ToDoubleFunction<T> read) {
        DoubleAdder counted = gone.computeIfAbsent(read, r -> new DoubleAdder());
        return totals -> counted.sum() + totals.sum(read);
    }

    /** The sum of {@code read} over the items present. */
    double sum(ToDoubleFunction<T> read) {
        return present.values().stream().mapToDouble(read).sum();
    }

    /** How many items present match {@code test}. */
    long count(Predicate<T> test) {
        return present.values().stream().filter(test).count();
    }

    private void keepCounts(T item) {
        gone.forEach((read, counted) -> counted.add(read.applyAsDouble(item)));
    }
}
