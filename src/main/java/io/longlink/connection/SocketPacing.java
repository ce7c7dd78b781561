package io.longlink.connection;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.stream.Collectors;

/**
 * How fast a connection makes new sockets, as a good client of its upstream: how long its sockets lived
 * ({@code reconnect.stable-after}) and the phase while an attempt waits for a handshake slot ({@code connect-rates}).
 *
 * <ul>
 * <li>A socket lost before it was stable continues its cycle's backoff; {@value #FLAPPING_AFTER} such sockets in a
 * row make the connection {@code flapping}, which status and {@code lastError} show with the lifetimes (alike
 * lifetimes usually mean an intermediary's idle timeout shorter than {@code heartbeat.interval}). A socket longlink
 * replaced itself (a stale feed, a resync) is retried at once, unless the one before it was short-lived too.</li>
 * <li>Only sockets the upstream, the network or a replacement ended count for flapping; one closed on request (the
 * operator, new settings, a rotation) ends the row, as a stable one does.</li>
 * <li>Waiting for a handshake slot is no attempt: the phase shows the turn ({@code nextAttemptAt}).</li>
 * </ul>
 *
 * <p>Guarded by the supervisor's lock, like the rest of its state.
 */
final class SocketPacing {

    /** Short-lived sockets in a row that make a connection flapping. */
    static final int FLAPPING_AFTER = 3;

    /** What a lost socket means: how long it lived, whether it was stable, whether to retry at once. */
    record Loss(long livedNanos, boolean stable, boolean atOnce) {
    }

    private final Timers timers;
    /** The lifetimes of the latest short-lived sockets in a row, oldest first (at most {@value #FLAPPING_AFTER}). */
    private final ArrayDeque<Long> shortOnes = new ArrayDeque<>();
    /** Short-lived sockets lost in a row. */
    private int inARow;
    /** How long the last socket lived, or null before the first one ended. */
    private Long lastMillis;

    SocketPacing(Timers timers) {
        this.timers = timers;
    }

    /** The open socket was lost: what that means for the next attempt. */
    Loss lost(Phase.Open open, Duration stableAfter, boolean replaced) {
        long livedNanos = timers.nanoTime() - open.openedNanos();
        lastMillis = livedNanos / 1_000_000;
        if (livedNanos >= stableAfter.toNanos()) {
            endRow();
            return new Loss(livedNanos, true, true);
        }
        inARow++;
        shortOnes.addLast(lastMillis);
        if (shortOnes.size() > FLAPPING_AFTER) {
            shortOnes.removeFirst();
        }
        return new Loss(livedNanos, false, replaced && inARow == 1);
    }

    /** The open socket is closed on request (the operator, new settings, a rotation): its lifetime; the row ends. */
    long closed(Phase.Open open) {
        long livedNanos = timers.nanoTime() - open.openedNanos();
        lastMillis = livedNanos / 1_000_000;
        endRow();
        return livedNanos;
    }

    private void endRow() {
        inARow = 0;
        shortOnes.clear();
    }

    Long lastMillis() {
        return lastMillis;
    }

    /** The last {@value #FLAPPING_AFTER} sockets in a row each lived less than {@code stableAfter}, unless the open one proved stable. */
    boolean flapping(Phase phase, Duration stableAfter) {
        return inARow >= FLAPPING_AFTER && !(phase instanceof Phase.Open o
                && timers.nanoTime() - o.openedNanos() >= stableAfter.toNanos());
    }

    /**
     * {@code lastError} after a loss: while flapping the lifetimes, e.g. {@code flapping: 3 sockets in a row closed
     * within 30s (lived 20ms, 21ms, 19ms)}, else {@code reason}.
     */
    String lastError(String reason, Duration stableAfter) {
        if (inARow < FLAPPING_AFTER) {
            return reason;
        }
        return "flapping: " + inARow + " sockets in a row closed within " + DurationText.of(stableAfter) + " (lived "
                + shortOnes.stream().map(ms -> DurationText.of(Duration.ofMillis(ms))).collect(Collectors.joining(", "))
                + ")";
    }

    /**
     * The phase while attempt {@code cycle} waits for a handshake slot until about {@code at}: RECONNECTING with it,
     * or CONNECTING with it at a first open ({@code everOpen} false); null when the phase is past waiting.
     */
    static Phase awaitingSlot(Phase phase, long cycle, Instant at, boolean everOpen) {
        if (phase instanceof Phase.Reconnecting r) {
            return new Phase.Reconnecting(cycle, at, r.delayMillis());
        }
        if (phase instanceof Phase.Connecting c && !c.session().started()) {
            return everOpen ? new Phase.Reconnecting(cycle, at, 0) : new Phase.Connecting(cycle, c.session(), at);
        }
        return null;
    }
}
