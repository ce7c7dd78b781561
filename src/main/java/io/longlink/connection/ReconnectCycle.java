package io.longlink.connection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.DoubleSupplier;

import io.longlink.config.LonglinkConfig;
import io.longlink.credentials.OAuth2Tokens;
import io.quarkus.logging.Log;

/**
 * The reconnect cycles of one connection: attempt → classify → backoff → next attempt, until one attempt opens, the
 * attempts run out, the upstream's answer is fatal or the network is gone. Its {@link Supervisor} (the
 * {@link ManagedConnection}) owns the phase and moves it; this class owns what the cycles count and decide.
 *
 * <ul>
 * <li>A cycle is one run of the {@link ReconnectPolicy} guard (SmallRye Fault Tolerance), numbered; the supervisor
 * compares that number with its phase's at every step, and a cycle that is no longer the phase's ends at its next
 * step, uncounted ({@link CycleCancelledException}).</li>
 * <li>Each attempt waits out the delay its phase holds ({@link Supervisor#delayBefore}) on the injected
 * {@link Timers}, then starts the {@link Attempt} the supervisor makes for it. The guard decides how often, the
 * timers decide when.</li>
 * <li>A failed attempt is classified ({@link FailureClassifier}): a network gone ends the cycle uncounted
 * ({@link NetworkUnreachableException}); otherwise it counts and the {@link RejectionPolicy} reads what the upstream
 * answered: refresh the credentials and retry at once (401, 1008; a second one in a row fails), fail at once
 * ({@link FatalRejectionException}), or back off no earlier than the upstream asked ({@code Retry-After}, 1013). The
 * decision travels with the failure through the guard ({@link RejectedAttemptException}) to the backoff, which it
 * raises or drops.</li>
 * <li>A socket lost while open is decided here too ({@link #lostLocked}), with the same rejection streak. A socket
 * that was not stable ({@code reconnect.stable-after}) counts as a failed attempt of the cycle that opened it, and
 * the next cycle continues that one ({@link #continueLocked}): its backoff and attempts go on where they stopped, so
 * an upstream that accepts and drops every socket is never hammered. The authorization streak, too, only ends with
 * a stable socket.</li>
 * <li>Before each handshake the attempt takes a slot of its host's {@link ConnectRates} budget, when one applies;
 * waiting for it is not an attempt ({@link Supervisor#slotAwaited}).</li>
 * </ul>
 *
 * <p>The mutable state ({@code number}, {@code attempt}, {@code unauthorized}) is guarded by the supervisor's lock:
 * methods named {@code ...Locked} are called with it held. {@link #run} and the steps it schedules hold no lock; they
 * reach the supervisor through its methods, each of which takes the lock and checks that its cycle is current.
 */
final class ReconnectCycle<A extends ReconnectCycle.Attempt> {

    /** What a cycle's attempt is to it: a socket that is started once and tells why it ended. */
    interface Attempt {
        /** Connects; completes when the socket is ready, or fails with why not. */
        CompletionStage<Void> start();

        /** Why the socket ended (the upstream's close code when it sent one), or null. */
        Session.Ending ending();

        /** Drops the socket without a word: its cycle is over. */
        void abort();
    }

    /**
     * The phase transitions a cycle asks for. Each takes the supervisor's lock, checks that cycle {@code number} is
     * still the phase's and reconnecting still wanted, and answers that it is not by a null, a negative or a false.
     */
    interface Supervisor<A extends Attempt> {
        /** Milliseconds the next attempt of cycle {@code number} waits (its RECONNECTING delay, or 0); -1 when over. */
        long delayBefore(long number);

        /** RECONNECTING → CONNECTING (or the first attempt, already CONNECTING): the attempt to start, or null. */
        A attemptStarting(long number);

        /** The next attempt of cycle {@code number} waits {@code waitMillis} for a handshake slot of {@code gate}. */
        void slotAwaited(long number, long waitMillis, ConnectRates.Gate gate);

        /** CONNECTING → OPEN; false when the cycle or the attempt is no longer current (it is aborted then). */
        boolean attemptSucceeded(long number, A attempt);

        /** The open attempt's socket may start its work: called after the cycle ended with success. */
        void attemptActive(A attempt);

        /** The attempt failed: records it; the decision ({@link #failedLocked} took it), or null when not current. */
        RejectionPolicy.Decision attemptFailed(long number, A attempt, Failure failure);

        /** CONNECTING → RECONNECTING: the next attempt of cycle {@code number} waits {@code delayMillis}. */
        void backoffStarted(long number, long delayMillis);

        /** The cycle ended without an open socket: attempts exhausted, a fatal rejection or the network gone. */
        void cycleEnded(long number, Throwable failure);
    }

    /** A failed attempt as classified: what the upstream answered, and whether the network is gone. */
    record Failure(Throwable cause, boolean offline, String description, RejectionPolicy.Rejection rejection,
            Session.Ending ending) {

        static Failure of(Throwable cause, Session.Ending ending) {
            return new Failure(cause, FailureClassifier.isNetworkUnreachable(cause), FailureClassifier.describe(cause),
                    FailureClassifier.rejection(cause, ending == null ? null : ending.closeCode()), ending);
        }
    }

    private final String id;
    /** The retry guard's description (SmallRye FT tags its metrics with it). */
    private final String guardName;
    private final Timers timers;
    private final Clock clock;
    private final DoubleSupplier random;
    private final Supervisor<A> supervisor;
    /** The guard's settings; replaced with the connection's settings by {@link #apply}. */
    private volatile ReconnectPolicy policy;
    private volatile RejectionPolicy rejections;
    /** Null without {@code auth.oauth2.token-url}. */
    private volatile OAuth2Tokens tokens;
    /** The handshake budget of the upstream's host, or null when none applies. */
    private volatile ConnectRates.Gate gate;

    /** Number of the latest cycle. */
    private long number;
    /** Failed attempts since the connection was last open or a cycle last began. */
    private int attempt;
    /**
     * The upstream's last answer was an authorization rejection (401, an unauthorized close code): another one in a
     * row fails; only a stable socket ends the streak.
     */
    private boolean unauthorized;
    /** Failed attempts of the cycle that opened the current socket, for a continued cycle. */
    private int openedAfter;

    ReconnectCycle(String id, Timers timers, Clock clock, DoubleSupplier random, Supervisor<A> supervisor) {
        this(id, "reconnect " + id, timers, clock, random, supervisor);
    }

    /** {@code guardName}: the retry guard's description, the {@code method} tag of SmallRye FT's metrics. */
    ReconnectCycle(String id, String guardName, Timers timers, Clock clock, DoubleSupplier random,
            Supervisor<A> supervisor) {
        this.id = id;
        this.guardName = guardName;
        this.timers = timers;
        this.clock = clock;
        this.random = random;
        this.supervisor = supervisor;
    }

    /** New settings: the next cycle uses them. */
    void apply(LonglinkConfig.Reconnect config, OAuth2Tokens tokens, ConnectRates.Gate gate) {
        this.policy = new ReconnectPolicy(guardName, config, random);
        this.rejections = RejectionPolicy.of(config);
        this.tokens = tokens;
        this.gate = gate;
    }

    // --- state the supervisor reads and resets, under its lock ---

    /** A new cycle: its number; its failed attempts start at 0. */
    long beginLocked() {
        attempt = 0;
        return ++number;
    }

    /** Failed attempts so far. */
    int attemptLocked() {
        return attempt;
    }

    /** The count starts again (the connection opened, closed or stopped reconnecting). */
    void resetLocked() {
        attempt = 0;
    }

    /** A cycle that continues the last one (its socket was not stable): its number; the count goes on. */
    long continueLocked() {
        return ++number;
    }

    /** The socket opened: the count starts again (status shows 0), kept for a continued cycle. */
    void openedLocked() {
        openedAfter = attempt;
        attempt = 0;
    }

    /** Whether the failed attempts so far leave none to the cycle. */
    boolean exhaustedLocked() {
        return policy.exhausted(attempt);
    }

    /** The backoff delay after the failed attempts so far (a continued cycle's first delay). */
    long nextDelayLocked() {
        return policy.delayAfter(attempt);
    }

    /** The operator asked again (open, a message, new settings): an earlier rejection no longer counts. */
    void forgetRejectionLocked() {
        unauthorized = false;
    }

    /** Counts a failed attempt (unless the network is gone) and decides what the upstream's answer means. */
    RejectionPolicy.Decision failedLocked(Failure failure) {
        if (failure.offline()) {
            return RejectionPolicy.USUAL;
        }
        attempt++;
        RejectionPolicy.Decision decision = rejections.decide(failure.rejection(), unauthorized, clock.instant());
        unauthorized = decision.unauthorized();
        return decision;
    }

    /**
     * An open socket was lost with {@code closeCode}: what the upstream's close means. A stable socket starts the
     * count afresh and ends the rejection streak; one that was not counts as a failed attempt of its cycle.
     */
    RejectionPolicy.Decision lostLocked(Integer closeCode, Instant now, boolean stable) {
        if (stable) {
            attempt = 0;
            unauthorized = false;
        } else {
            attempt = openedAfter + 1;
        }
        RejectionPolicy.Decision decision = rejections.decide(RejectionPolicy.Rejection.closeCode(closeCode),
                unauthorized, now);
        unauthorized = decision.unauthorized();
        return decision;
    }

    // --- running a cycle (no lock held) ---

    /** Runs cycle {@code cycle} until an attempt opens or the cycle ends; the supervisor hears each step. */
    void run(long cycle) {
        run(cycle, 0);
    }

    /** Runs cycle {@code cycle}, which continues one whose {@code failedBefore} attempts failed. */
    void run(long cycle, int failedBefore) {
        policy.newCycle((failure, backoffMillis) -> supervisor.backoffStarted(cycle, delayMillis(failure, backoffMillis)),
                failedBefore)
                .get(() -> attempt(cycle))
                .whenComplete((ok, failure) -> {
                    Throwable cause = unwrap(failure);
                    if (cause != null && !(cause instanceof CycleCancelledException)) {
                        supervisor.cycleEnded(cycle, cause);
                    }
                });
    }

    /** The backoff's delay, raised ({@code Retry-After}, 1013) or dropped (a refresh) by the rejection decision. */
    private long delayMillis(Throwable failure, long backoffMillis) {
        return unwrap(failure) instanceof RejectedAttemptException rejected
                ? RejectionPolicy.delayMillis(rejected.decision(), backoffMillis, clock.instant())
                : backoffMillis;
    }

    /** One attempt of the cycle: waits out the delay its phase holds, then connects. */
    private CompletionStage<Void> attempt(long cycle) {
        long delayMillis = supervisor.delayBefore(cycle);
        if (delayMillis < 0) {
            return CompletableFuture.failedFuture(new CycleCancelledException());
        }
        if (delayMillis == 0) {
            return slotThenConnect(cycle);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        timers.schedule(Duration.ofMillis(delayMillis), () -> slotThenConnect(cycle).whenComplete((ok, f) -> {
            if (f == null) {
                result.complete(null);
            } else {
                result.completeExceptionally(unwrap(f));
            }
        }));
        return result;
    }

    /** Takes a handshake slot of the host's budget (waiting for it when none is free), then connects. */
    private CompletionStage<Void> slotThenConnect(long cycle) {
        ConnectRates.Gate budget = gate;
        if (budget == null) {
            return connect(cycle, null);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        boolean now = budget.take(granted -> {
            A attempt = supervisor.attemptStarting(cycle);
            if (attempt == null) {
                // the cycle is over (closed, replaced): its slot goes to the next one waiting
                result.completeExceptionally(new CycleCancelledException());
                return 0;
            }
            start(cycle, attempt, result, budget);
            return 1;
        });
        if (now) {
            return connect(cycle, budget);
        }
        supervisor.slotAwaited(cycle, budget.waitMillis(), budget);
        return result;
    }

    /** Starts the cycle's attempt now, with its slot of {@code budget} taken (null: none). */
    private CompletionStage<Void> connect(long cycle, ConnectRates.Gate budget) {
        A attempt = supervisor.attemptStarting(cycle);
        if (attempt == null) {
            if (budget != null) {
                budget.release();
            }
            return CompletableFuture.failedFuture(new CycleCancelledException());
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        start(cycle, attempt, result, budget);
        return result;
    }

    /**
     * Starts the attempt; its handshake slot of {@code budget} (null: none) is settled when the attempt is over (its
     * handshake, and its on-open steps when it has some): counted from then, it was surely counted by the upstream.
     */
    private void start(long cycle, A attempt, CompletableFuture<Void> result, ConnectRates.Gate budget) {
        attempt.start().whenComplete((ok, failure) -> {
            if (budget != null) {
                budget.settle();
            }
            if (failure == null) {
                succeeded(cycle, attempt, result);
            } else {
                failed(cycle, attempt, unwrap(failure), result);
            }
        });
    }

    private void succeeded(long cycle, A attempt, CompletableFuture<Void> result) {
        if (!supervisor.attemptSucceeded(cycle, attempt)) {
            attempt.abort();
            result.completeExceptionally(new CycleCancelledException());
            return;
        }
        result.complete(null);
        supervisor.attemptActive(attempt);
    }

    private void failed(long cycle, A attempt, Throwable cause, CompletableFuture<Void> result) {
        Failure failure = Failure.of(cause, attempt.ending());
        RejectionPolicy.Decision decision = supervisor.attemptFailed(cycle, attempt, failure);
        result.completeExceptionally(decision == null ? new CycleCancelledException() : outcome(decision, failure));
    }

    /** What the guard sees of a failed attempt: it aborts on a fatal rejection or a network gone, retries otherwise. */
    private Throwable outcome(RejectionPolicy.Decision decision, Failure failure) {
        if (failure.offline()) {
            return new NetworkUnreachableException(failure.cause());
        }
        switch (decision.action()) {
            case FAIL:
                if (decision.unauthorized() && tokens != null) {
                    tokens.refresh(); // the next open starts with a new token, not the one just rejected
                }
                return new FatalRejectionException(decision.error(), failure.cause());
            case REFRESH:
                refreshCredentials();
                return new RejectedAttemptException(decision, failure.cause());
            default:
                return decision == RejectionPolicy.USUAL ? failure.cause()
                        : new RejectedAttemptException(decision, failure.cause());
        }
    }

    /** The upstream rejected the credentials: header files are re-read at every attempt anyway; a new token is due. */
    void refreshCredentials() {
        OAuth2Tokens held = tokens;
        if (held != null) {
            held.refresh();
        }
        Log.infof("[%s] credentials rejected by the upstream: refreshing them and retrying at once", id);
    }

    static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
