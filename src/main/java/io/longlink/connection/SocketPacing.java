package io.longlink.connection;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.stream.Collectors;

/**
 * How long a connection's sockets lived, and what that says ({@code reconnect.stable-after}): a socket lost before
 * it was stable continues its cycle's backoff, and {@value #FLAPPING_AFTER} such sockets in a row make the connection
 * {@code flapping}, which status and {@code lastError} show with the lifetimes (alike lifetimes usually mean an
 * intermediary's idle timeout shorter than {@code heartbeat.interval}). Only sockets the upstream or the network
 * ended count for flapping; one closed on request (the operator, new settings) ends the row, as a stable one does.
 *
 * <p>Guarded by the supervisor's lock, like the rest of its state.
 */
final class SocketLifetimes {

    /** Short-lived sockets in a row that make a connection flapping. */
    static final int FLAPPING_AFTER = 3;

    /** The lifetimes of the latest short-lived sockets in a row, oldest first (at most {@value #FLAPPING_AFTER}). */
    private final ArrayDeque<Long> shortOnes = new ArrayDeque<>();
    /** Short-lived sockets lost in a row. */
    private int inARow;
    /** How long the last socket lived, or null before the first one ended. */
    private Long lastMillis;

    /** A socket lost after {@code livedMillis}: whether it was stable. */
    boolean lost(long livedMillis, Duration stableAfter) {
        lastMillis = livedMillis;
        if (livedMillis >= stableAfter.toMillis()) {
            inARow = 0;
            shortOnes.clear();
            return true;
        }
        inARow++;
        shortOnes.addLast(livedMillis);
        if (shortOnes.size() > FLAPPING_AFTER) {
            shortOnes.removeFirst();
        }
        return false;
    }

    /** A socket closed on request (the operator, new settings) after {@code livedMillis}: the row of losses ends. */
    void closed(long livedMillis) {
        lastMillis = livedMillis;
        inARow = 0;
        shortOnes.clear();
    }

    Long lastMillis() {
        return lastMillis;
    }

    /** Whether the last socket lost was the first short-lived one in a row. */
    boolean firstShortOne() {
        return inARow == 1;
    }

    /** Whether the last {@value #FLAPPING_AFTER} sockets in a row each lived less than {@code stable-after}. */
    boolean flapping() {
        return inARow >= FLAPPING_AFTER;
    }

    /** What {@code lastError} says while flapping, e.g. {@code flapping: 3 sockets in a row closed within 30s (lived 20ms, 21ms, 19ms)}. */
    String describe(Duration stableAfter) {
        return "flapping: " + inARow + " sockets in a row closed within " + DurationText.of(stableAfter) + " (lived "
                + shortOnes.stream().map(ms -> DurationText.of(Duration.ofMillis(ms))).collect(Collectors.joining(", "))
                + ")";
    }
}
