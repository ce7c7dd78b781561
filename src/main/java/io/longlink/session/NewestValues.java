package io.longlink.session;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The newest value seen at each tracked JSON pointer in a connection's inbound text messages, for
 * {@code {{inbound:<pointer>}}}: a resume token or offset that the next socket sends back. Only the pointers a
 * plan uses are tracked, so a connection without such placeholders parses nothing. Seeded from the stored inbound
 * log at start, so the value survives restarts wherever the log does. Thread-safe.
 */
public final class NewestValues {

    private final Set<String> pointers;
    private final Map<String, String> newest = new ConcurrentHashMap<>();

    public NewestValues(Set<String> pointers) {
        this.pointers = Set.copyOf(pointers);
    }

    /** Whether any pointer is tracked (else {@link #observe} is a no-op and may be skipped). */
    public boolean tracking() {
        return !pointers.isEmpty();
    }

    /** An inbound text message arrived (or was read back from the store, oldest first). */
    public void observe(String text) {
        for (String pointer : pointers) {
            String value = Template.valueAt(text, pointer);
            if (value != null) {
                newest.put(pointer, value);
            }
        }
    }

    /** The value at {@code pointer} read back from the stored log at start. */
    public void seed(String pointer, String value) {
        if (pointers.contains(pointer) && value != null) {
            newest.putIfAbsent(pointer, value);
        }
    }

    /** The newest value at {@code pointer}, or "" when no message had it. */
    public String get(String pointer) {
        return newest.getOrDefault(pointer, "");
    }
}
