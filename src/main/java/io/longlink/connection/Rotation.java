package io.longlink.connection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

import io.longlink.config.LonglinkConfig;
import io.quarkus.logging.Log;

/**
 * The make-before-break rotation of one connection's open socket ({@code rotate-after}, {@code rotate-on}). Its
 * {@link Supervisor} (the {@link ManagedConnection}) owns the phase and moves it; this class runs the steps.
 *
 * <ul>
 * <li>While the open session keeps carrying traffic, an incoming session connects (its handshake takes a slot of
 * the host's {@code connect-rates} budget, as every handshake does) and runs its on-open steps (they count in the
 * connection's {@code send-rate} window, as every frame does). Once it is ready, the open one stops writing, and
 * when its writes in flight completed the supervisor makes the incoming one the open one
 * ({@link Supervisor#handedOver}: generation + 1, still OPEN) and the old socket closes with 1000 once the requests
 * it wrote have their answers (their replies come on it; each one's timeout bounds the wait). A message or request
 * is therefore written to exactly one socket, in order. A connection that closes meanwhile closes such a retiring
 * socket at once ({@link #closeRetiring}).</li>
 * <li>While both are open, the connection's {@link FeedSequence} drops duplicates ({@link FeedSequence#overlap}).</li>
 * <li>An incoming session that fails leaves the open one as it was; the rotation is retried after a backoff
 * ({@code reconnect.initial-delay} doubling up to {@code reconnect.max-delay}), which a hand-over resets.</li>
 * <li>The supervisor calls {@link #abort} when a session stops being the open one (lost, replaced, closed, new
 * settings): its rotation ends and the incoming session is dropped.</li>
 * </ul>
 *
 * <p>The mutable state is guarded by {@code this}. The supervisor's methods may be called with it held (this lock
 * comes first); the supervisor never calls in here with its own lock held.
 */
final class Rotation {

    private static final int NORMAL_CLOSURE = 1000;

    /** The phase changes a rotation asks for; each takes the supervisor's lock and checks the open session. */
    interface Supervisor {
        /** The incoming session for rotating {@code open}; null when it is not the open one or reconnecting is off. */
        Session incomingFor(Session open);

        /** OPEN (old) → OPEN (incoming): the incoming one's generation, or -1 when {@code old} is no longer open. */
        long handedOver(Session old, Session incoming);

        /** The rotation of {@code open} failed: {@code error} for {@code lastError} while it is still open. */
        void rotationFailed(Session open, String error);

        /** The incoming session's socket ended before it could start its work. */
        void sessionLost(Session session, Session.Ending ending);
    }

    private final String id;
    private final Timers timers;
    private final DoubleSupplier random;
    private final Supervisor supervisor;
    /** The backoff's settings; replaced with the connection's settings by {@link #apply}. */
    private volatile LonglinkConfig.Reconnect config;
    /** The handshake budget of the upstream's host ({@code connect-rates}), or null. */
    private volatile ConnectRates.Gate gate;

    /** The open session being rotated, or null. */
    private Session open;
    /** Its successor, running its on-open steps; null while no rotation runs. */
    private Session incoming;
    /** The delays between failed rotations; null while none failed since the last hand-over. */
    private ReconnectBackoff backoff;
    /** Sessions handed over, still open for the replies to the requests they wrote. */
    private final List<Session> retiring = new ArrayList<>();

    Rotation(String id, Timers timers, DoubleSupplier random, Supervisor supervisor) {
        this.id = id;
        this.timers = timers;
        this.random = random;
        this.supervisor = supervisor;
    }

    /** New settings: the next backoff and handshake use them. */
    void apply(LonglinkConfig.Reconnect config, ConnectRates.Gate gate) {
        this.config = config;
        this.gate = gate;
    }

    /** Rotates {@code current} unless a rotation runs already or it is not the open session. */
    void start(Session current, String reason) {
        Session next;
        synchronized (this) {
            if (incoming != null) {
                return;
            }
            next = supervisor.incomingFor(current);
            if (next == null) {
                return;
            }
            open = current;
            incoming = next;
            overlapLocked(true);
        }
        Log.infof("[%s] rotating the socket: %s", id, reason);
        ConnectRates.Gate budget = gate;
        if (budget == null) {
            connect(current, next, null);
        } else if (budget.take(granted -> connect(current, next, budget)) && connect(current, next, budget) == 0) {
            budget.release();
        }
    }

    /**
     * Starts the incoming session's handshake (with its slot of {@code budget} taken, null: none) unless its rotation
     * ended meanwhile; answers 1 when it started, 0 when the slot is left unused.
     */
    private int connect(Session current, Session next, ConnectRates.Gate budget) {
        synchronized (this) {
            if (incoming != next) {
                return 0;
            }
        }
        next.start().whenComplete((ready, failure) -> {
            if (budget != null) {
                budget.settle();
            }
            if (failure == null) {
                ready(current, next);
            } else {
                failed(current, next, failure);
            }
        });
        return 1;
    }

    /** {@code left} is no longer the open session: its rotation ends, the incoming session is dropped. */
    void abort(Session left) {
        Session dropped;
        synchronized (this) {
            if (open != left || incoming == null) {
                return;
            }
            dropped = incoming;
            clearLocked();
        }
        dropped.abort();
    }

    /** The incoming session is ready: the open one stops writing, then hands over once its writes completed. */
    private void ready(Session current, Session next) {
        synchronized (this) {
            if (incoming != next) {
                next.abort();
                return;
            }
        }
        current.stopWriting().whenComplete((done, failure) -> handOver(current, next));
    }

    /** The old socket wrote its last message: the new one takes the outbox from there, the old one closes. */
    private void handOver(Session old, Session next) {
        long generation = -1;
        synchronized (this) {
            if (incoming == next) {
                generation = supervisor.handedOver(old, next);
                clearLocked();
                if (generation >= 0) {
                    backoff = null;
                }
            }
        }
        if (generation < 0) {
            next.abort();
            return;
        }
        synchronized (this) {
            retiring.add(old);
        }
        Log.infof("[%s] rotated: generation %d carries the feed", id, generation);
        if (!next.activate()) {
            supervisor.sessionLost(next, next.ending());
        }
        // the old socket still reads: the replies to the requests it wrote come on it, so it closes once they came
        old.requestsSettled().whenComplete((settled, failure) -> retire(old, NORMAL_CLOSURE, "rotated"));
    }

    /** The connection closes: the sockets handed over and still waiting for replies close now, with {@code code}. */
    void closeRetiring(int code, String reason) {
        List<Session> closing;
        synchronized (this) {
            closing = List.copyOf(retiring);
        }
        closing.forEach(old -> retire(old, code, reason));
    }

    private void retire(Session old, int code, String reason) {
        synchronized (this) {
            if (!retiring.remove(old)) {
                return;
            }
        }
        old.close(code, reason);
    }

    /** The new socket could not be made ready: the open one stays in use; retried after a backoff. */
    private void failed(Session current, Session next, Throwable failure) {
        long delayMillis;
        synchronized (this) {
            if (incoming != next) {
                return;
            }
            clearLocked();
            if (backoff == null) {
                LonglinkConfig.Reconnect r = config;
                backoff = new ReconnectBackoff(r.initialDelay(), r.maxDelay(), r.jitter(), random, delay -> {
                });
            }
            delayMillis = backoff.nextDelayInMillis(failure);
        }
        String error = "rotation failed: " + FailureClassifier.describe(failure)
                + "; the open socket stays in use, next try in " + delayMillis + " ms";
        supervisor.rotationFailed(current, error);
        Log.warnf("[%s] %s", id, error);
        timers.schedule(Duration.ofMillis(delayMillis), () -> start(current, "rotation retried"));
    }

    private void clearLocked() {
        overlapLocked(false);
        open = null;
        incoming = null;
    }

    private void overlapLocked(boolean both) {
        FeedSequence sequences = incoming.sequences();
        if (sequences != null) {
            sequences.overlap(both);
        }
    }
}
