package io.longlink.connection;

import java.util.HashMap;
import java.util.Map;

import io.longlink.session.JsonScan;

/**
 * The upstream's sequence numbers of one connection ({@code inbound.sequence.*}): per scope, the newest one logged,
 * and per socket ({@link Run}) the last one seen. O(1) per message: two pointer scans of the text
 * ({@link JsonScan}, no parse) and two map updates.
 *
 * <ul>
 * <li>A gap: a message's sequence is not the previous one of its scope on the same socket + 1. Each socket starts a
 * new run, so the first message of a scope on a new socket is never a gap (a snapshot starts a new run).</li>
 * <li>A duplicate: while two sockets are open ({@link #overlap}), a message whose sequence is not newer than the
 * newest logged one of its scope; it is dropped. The socket that replaced another make-before-break keeps dropping
 * those in a scope until it logged one there (a snapshot that comes after its on-open steps, when the old socket is
 * already closed, replays what the old one logged). After a plain reconnect nothing is a duplicate (an upstream may
 * number each socket from 1).</li>
 * </ul>
 *
 * <p>All mutable state is guarded by {@code this}: two sockets may report at once during an overlap.
 */
final class FeedSequence {

    /** What {@link #check} found; a gap is a {@link Gap}. */
    sealed interface Verdict permits Plain, Gap {
    }

    /** Logged as usual: in order, unchecked or a duplicate ({@link #DUPLICATE}). */
    record Plain(boolean duplicate) implements Verdict {
    }

    /** Sequence {@code got} where {@code expected} was due, in {@code scope} (null without a scope pointer). */
    record Gap(String scope, long expected, long got) implements Verdict {
    }

    static final Plain LOG = new Plain(false);
    static final Plain DUPLICATE = new Plain(true);

    /** The last sequence per scope on one socket. */
    static final class Run {
        private final Map<String, Long> last = new HashMap<>();
        /** For a socket that replaced another make-before-break: the scopes it logged a message in; else null. */
        private final java.util.Set<String> caughtUp;

        /** {@code replacing}: the socket replaces another make-before-break. */
        Run(boolean replacing) {
            this.caughtUp = replacing ? new java.util.HashSet<>() : null;
        }
    }

    private static final String ONE_SCOPE = "";

    private final JsonScan sequence;
    private final JsonScan scope;
    /** The newest logged sequence per scope. */
    private final Map<String, Long> newest = new HashMap<>();
    /** Two sockets are open. */
    private boolean overlap;

    /** Null when {@code sequence} is null: nothing to check. */
    static FeedSequence of(JsonScan sequence, JsonScan scope) {
        return sequence == null ? null : new FeedSequence(sequence, scope);
    }

    private FeedSequence(JsonScan sequence, JsonScan scope) {
        this.sequence = sequence;
        this.scope = scope;
    }

    /** Two sockets are open (a rotation), or one again. */
    synchronized void overlap(boolean both) {
        overlap = both;
    }

    /** Checks one text message that arrived on the socket of {@code run}. */
    Verdict check(Run run, String text) {
        Long seq = sequence.longIn(text);
        if (seq == null) {
            return LOG;
        }
        String key = scope == null ? ONE_SCOPE : scope.valueIn(text);
        if (key == null) {
            return LOG;
        }
        synchronized (this) {
            Long previous = run.last.put(key, seq);
            Long logged = newest.get(key);
            boolean catchingUp = run.caughtUp != null && !run.caughtUp.contains(key);
            if ((overlap || catchingUp) && logged != null && seq <= logged) {
                return DUPLICATE;
            }
            if (catchingUp) {
                run.caughtUp.add(key);
            }
            newest.put(key, seq);
            if (previous != null && seq != previous + 1) {
                return new Gap(scope == null ? null : key, previous + 1, seq);
            }
            return LOG;
        }
    }
}
