package io.longlink.connection;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import io.longlink.config.LonglinkConfig;
import io.longlink.credentials.TokenEndpoint;
import io.longlink.inbox.InboundLog;
import io.longlink.outbox.EnqueueRequest;
import io.longlink.outbox.Enqueued;
import io.longlink.outbox.OutboxStore;
import io.longlink.session.SessionPlan;
import io.quarkus.logging.Log;

/**
 * The supervisor of one long-lived connection: what outlives its sockets (what the operator wants, the reconnect
 * cycle, the offline probe, the counters) and its {@link Phase}. Each socket is a {@link Session}.
 *
 * <pre>
 *            open                      session ready
 *  CLOSED ─────────► CONNECTING ─────────────────────► OPEN ──── session lost ───► CONNECTING (at once)
 *    ▲                  │  ▲  attempt failed,                │
 *    │                  │  └── RECONNECTING ◄── retries left │ close
 *    │ close            │      (backoff delay)               ▼
 *    │                  ├── attempts exhausted ──► FAILED   CLOSING ── close frame or close-timeout ──► CLOSED
 *    │                  └── network unreachable ─► OFFLINE ── probe answers ──► CONNECTING (attempts reset)
 * </pre>
 *
 * <ul>
 * <li>{@code desired} is what the operator asked for last; reconnect logic only runs while it is {@code OPEN}, so
 * an operator's close is never undone. Open and close are idempotent. After {@link #shutdown} nothing starts any
 * more.</li>
 * <li>The {@link ReconnectCycle} runs CONNECTING and RECONNECTING: each attempt is a new {@link Session}; a failed
 * one is classified and counted there, and the {@link RejectionPolicy} decides there what the upstream's answer
 * means (refresh the credentials and retry at once, fail at once, or back off no earlier than it asked), for a
 * failed attempt and a lost socket alike. The cycle asks the connection's {@link CycleTransitions} for every phase
 * change ({@link ReconnectCycle.Supervisor}).</li>
 * <li>A network that is gone ends the cycle uncounted and the connection goes {@code OFFLINE}, where only a
 * {@link ReachabilityProbe} runs; when it answers ({@link CycleTransitions} again), a fresh cycle starts with the
 * attempts reset. Being offline therefore never leads to {@code FAILED}.</li>
 * <li>Make-before-break ({@code rotate-after}, {@code rotate-on}): the {@link Rotation} runs it while OPEN and asks
 * this class for the hand-over ({@link Rotation.Supervisor}: generation + 1, still OPEN, no event). A lost open
 * socket, a replacement, a close or new settings abort it.</li>
 * <li>A stale feed ({@code inbound.idle-timeout}) or a gap with {@code on-gap=resync} ends the session as a lost
 * socket (closed with 1000): a new cycle at once, so the on-open steps run again.</li>
 * <li>Every transition is one method that checks the phase it expects (the very session, probe or close it
 * belongs to), so a late callback of an older socket, cycle or probe changes nothing.</li>
 * </ul>
 *
 * <p>All mutable state is guarded by {@code this}, which {@link CycleTransitions} takes too: the fields and the
 * {@code ...Locked} methods it shares are package-private. Decisions are taken under the lock; sessions are started
 * and closed, and cycles run, outside it.
 */
public final class ManagedConnection implements Session.Listener, Rotation.Supervisor {

    private static final int NORMAL_CLOSURE = 1000;
    private static final int GOING_AWAY = 1001;

    private final String id;
    private final OutboxStore outbox;
    private final InboundLog inbox;
    final ConnectionEnvironment env;
    final ConnectionCounters counters = new ConnectionCounters();
    /** Holds enqueue answers while the open socket is behind ({@code outbox.pace-above}). */
    private final Pacer pacer;
    /** {@code send-rate.*}: the connection's frames per window, across its sockets. */
    private final SendRate sendRate;
    /** Requests waiting for their write or their reply; outlives the sockets. */
    private final PendingRequests requests;
    /** The settings; replaced as a whole by {@link #reconfigure}, with everything made from them below. */
    private volatile LonglinkConfig.ConnectionConfig config;
    /** What the next session is made of; replaced with the settings. */
    volatile SessionContext sessions;

    /** Where the connection is, with what only that phase has; moved by {@link #moveLocked}. */
    Phase phase = new Phase.Closed();
    /** What the operator asked for last. */
    DesiredState desired = DesiredState.CLOSED;
    /** The process is stopping: no cycle starts any more, whatever {@code desired} says. */
    boolean stopped;
    /** The reconnect cycles: their number, failed attempts and rejection streak (guarded by {@code this} too). */
    final ReconnectCycle<Session> cycles;
    /** The make-before-break rotation of the open socket. */
    private final Rotation rotation;
    /** How long the sockets lived (stable or not, flapping) and waits for handshake slots. */
    private final SocketPacing pacing;
    /** The sockets' generation, last error and close, and the status built from them. */
    final SocketHistory history;

    ManagedConnection(String id, LonglinkConfig.ConnectionConfig config, SessionPlan plan, OutboxStore outbox,
            InboundLog inbox, Upstream upstream, TokenEndpoint tokenEndpoint, ConnectionEnvironment env) {
        this.id = id;
        this.outbox = outbox;
        this.inbox = inbox;
        this.env = env;
        this.pacer = new Pacer(env.timers());
        this.pacing = new SocketPacing(env.timers());
        this.sendRate = new SendRate(env.timers());
        this.cycles = new ReconnectCycle<>(id, env.metricsPerConnection() ? "reconnect " + id : "reconnect",
                env.timers(), env.clock(), env.random(), new CycleTransitions(this));
        this.requests = new PendingRequests(id, RequestIds.of(config.requests()), env.timers(), env.clock(),
                env.observer());
        this.rotation = new Rotation(id, env.timers(), env.random(), this);
        this.history = new SocketHistory(id, counters, pacing, requests, env.ownership());
        apply(config, plan, upstream, tokenEndpoint);
    }

    private void apply(LonglinkConfig.ConnectionConfig config, SessionPlan plan, Upstream upstream,
            TokenEndpoint tokenEndpoint) {
        this.sessions = SessionContext.of(id, config, plan, upstream, tokenEndpoint, outbox, inbox, counters, sendRate,
                env, requests);
        this.config = config;
        history.apply(config);
        ConnectRates.Gate gate = env.connectRates().gateFor(config.url().getHost());
        cycles.apply(config.reconnect(), sessions.tokens(), gate);
        requests.reconfigure(RequestIds.of(config.requests()));
        rotation.apply(config.reconnect(), gate);
        sendRate.apply(config.sendRate());
    }

    /**
     * New settings (a runtime connection's spec was replaced): the next socket uses them. A connection that is open
     * or trying to be closes its socket with 1000 and reconnects with the new settings at once; the outbox, the
     * inbound log, the counters and what the operator wants are kept.
     */
    public void reconfigure(LonglinkConfig.ConnectionConfig newConfig, SessionPlan plan, Upstream upstream,
            TokenEndpoint tokenEndpoint) {
        Phase was;
        long newCycle = -1;
        long livedNanos = -1;
        synchronized (this) {
            apply(newConfig, plan, upstream, tokenEndpoint);
            cycles.forgetRejectionLocked();
            was = phase;
            boolean active = was instanceof Phase.Open || was instanceof Phase.Connecting
                    || was instanceof Phase.Reconnecting || was instanceof Phase.Offline;
            if (active && desired == DesiredState.OPEN && mayRunLocked()) {
                if (was instanceof Phase.Open o) {
                    livedNanos = pacing.closed(o);
                }
                newCycle = beginCycleLocked("settings replaced");
            }
        }
        if (newCycle < 0) {
            return;
        }
        Log.infof("[%s] settings replaced: reconnecting", id);
        abortRotation(was);
        if (was instanceof Phase.Open o) {
            env.observer().socketEnded(id, livedNanos);
            o.session().close(NORMAL_CLOSURE, "settings replaced");
        } else if (was instanceof Phase.Connecting c) {
            c.session().abort();
        } else if (was instanceof Phase.Offline o) {
            o.probe().stop();
        }
        cycles.run(newCycle);
    }

    /** The connection is being removed: close frame 1000 and nothing restarts it, whatever {@code desired} says. */
    public CompletionStage<Void> retire() {
        synchronized (this) {
            stopped = true;
        }
        return closeWith(NORMAL_CLOSURE, "connection removed", DesiredState.CLOSED);
    }

    /**
     * Cluster mode: another instance owns the connection now (or this one could not renew its lease): the socket
     * closes with 1001 and nothing reconnects here; what the operator wants is kept for the next owner.
     */
    public CompletionStage<Void> suspend(String reason) {
        return closeWith(GOING_AWAY, reason, null);
    }

    /** Cluster mode: this instance owns the connection now, with the stored desired state: opens it when wanted. */
    public void resume(DesiredState wanted) {
        if (wanted == DesiredState.OPEN) {
            open();
        } else {
            synchronized (this) {
                desired = DesiredState.CLOSED;
            }
        }
    }

    public String id() {
        return id;
    }

    /** The checked settings its sockets use; the webhook's secret too. */
    public SessionPlan plan() {
        return sessions.plan();
    }

    public LonglinkConfig.ConnectionConfig config() {
        return config;
    }

    public InboundLog inbox() {
        return inbox;
    }

    // --- what the operator and producers ask ---

    /** The operator wants the connection open: starts a fresh cycle unless one is running or it is open. */
    public ConnectionStatus open() {
        long newCycle = -1;
        synchronized (this) {
            desired = DesiredState.OPEN;
            env.ownership().desiredChanged(id, desired);
            if (mayRunLocked() && (phase instanceof Phase.Closed || phase instanceof Phase.Failed)) {
                cycles.forgetRejectionLocked();
                newCycle = beginCycleLocked("open requested");
            }
        }
        if (newCycle >= 0) {
            Log.infof("[%s] open requested", id);
            cycles.run(newCycle);
        }
        return status();
    }

    /** The operator wants the connection closed: close frame 1000, no reconnect; the outbox stays. */
    public CompletionStage<ConnectionStatus> close() {
        env.ownership().desiredChanged(id, DesiredState.CLOSED);
        return closeWith(NORMAL_CLOSURE, "closed by operator", DesiredState.CLOSED).thenApply(v -> status());
    }

    /** The process is stopping: close frame 1001, and nothing reconnects; {@code desired} is left as it was. */
    public CompletionStage<Void> shutdown() {
        synchronized (this) {
            stopped = true;
        }
        return closeWith(GOING_AWAY, "going away", null);
    }

    /**
     * Stores a message and wakes the sender: it is sent now if open, and a FAILED connection starts a fresh cycle.
     * The stage completes once the store has the message, with the message (the first one, for a repeated key);
     * while the open socket is behind, not before it caught up ({@link Pacer}).
     */
    public CompletionStage<Enqueued> enqueue(EnqueueRequest request) {
        return outbox.enqueue(request).thenCompose(enqueued -> paced(enqueued, messageQueued()));
    }

    /** Stores several messages, all or nothing (see {@link OutboxStore#enqueueAll}), and wakes the sender. */
    public CompletionStage<java.util.List<Enqueued>> enqueueAll(java.util.List<EnqueueRequest> requests) {
        return outbox.enqueueAll(id, requests).thenCompose(stored -> paced(stored, messageQueued()));
    }

    /**
     * Sends a request ({@code body}, JSON) as one text frame, in arrival order with the outbox, and completes with its
     * reply, or fails with a {@link RequestFailedException} saying whether it was written ({@link PendingRequests}).
     * Throws {@link InvalidRequestException} for a body that cannot carry an id. Never stored.
     */
    public CompletionStage<Reply> request(byte[] body, java.time.Duration timeout) {
        CompletionStage<Reply> reply = requests.submit(requests.ids().identify(body, requests::freshId),
                outbox.newestQueued(id), timeout, config.requests().maxInFlight());
        messageQueued();
        return reply;
    }

    private <T> CompletionStage<T> paced(T value, boolean open) {
        LonglinkConfig.Outbox limits = config.outbox();
        return pacer.pace(value, open, open ? outbox.queued(id) : 0, limits.paceAbove(), limits.paceTimeout());
    }

    /** A message was stored: wakes the sender, or starts a cycle when FAILED; whether the connection is open. */
    private boolean messageQueued() {
        long newCycle = -1;
        Session open = null;
        synchronized (this) {
            if (phase instanceof Phase.Failed && desired == DesiredState.OPEN && mayRunLocked()) {
                cycles.forgetRejectionLocked();
                newCycle = beginCycleLocked("message queued while failed");
            } else if (phase instanceof Phase.Open o) {
                open = o.session();
            }
        }
        if (newCycle >= 0) {
            Log.infof("[%s] message queued while failed: reconnecting", id);
            cycles.run(newCycle);
        } else if (open != null) {
            open.kick();
        }
        return open != null;
    }

    @Override
    public void delivered(Session session) {
        pacer.delivered(outbox.queued(id), config.outbox().paceAbove());
    }

    // --- what the control plane and metrics read ---

    /** Shows a webhook delivery's status in this connection's status. */
    public void attachWebhook(Supplier<WebhookStatus> status) {
        history.attachWebhook(status);
    }

    public ConnectionStatus status() {
        WebhookStatus webhookStatus = history.webhook();
        int queued = queued();
        synchronized (this) {
            return history.statusLocked(phase, desired, cycles.attemptLocked(), config.reconnect().stableAfter(),
                    queued, webhookStatus);
        }
    }

    public synchronized ConnectionState state() {
        return phase.state();
    }

    /** Sockets that reached OPEN so far. */
    public synchronized long generation() {
        return history.generation();
    }

    /** Messages waiting in the outbox. */
    public int queued() {
        return outbox.queued(id);
    }

    public long sentCount() {
        return counters.sent.get();
    }

    public long receivedCount() {
        return counters.received.get();
    }

    public long failedAttemptsTotal() {
        return counters.failedAttempts.get();
    }

    public long offlinePeriods() {
        return counters.offlinePeriods.get();
    }

    /** Times a frame waited for {@code send-rate.limit}, since start. */
    public long sendRateWaits() {
        return sendRate.waits();
    }

    // --- moving the phase (here, and for the reconnect cycle and the probe in CycleTransitions) ---

    /** Enters CONNECTING with a fresh cycle and its first session (not started yet); returns the cycle. */
    long beginCycleLocked(String reason) {
        long number = cycles.beginLocked();
        moveLocked(new Phase.Connecting(number, newSessionLocked()), reason);
        return number;
    }

    Session newSessionLocked() {
        return new Session(sessions, history.generation() + 1, this);
    }

    /** Every phase change goes through here: it publishes an event when the state changes. */
    void moveLocked(Phase next, String reason) {
        ConnectionState previous = phase.state();
        phase = next;
        if (next.state() != previous) {
            env.events().append(env.clock().instant(), id, next.state(), previous, history.generation(),
                    cycles.attemptLocked(), reason);
        }
    }

    /** Nothing stops new cycles: the process is not stopping and this instance owns the connection. */
    boolean mayRunLocked() {
        return !stopped && env.ownership().mayAct(id);
    }

    /**
     * OPEN → CONNECTING: the open session's socket is over. A socket that was stable ({@code reconnect.stable-after})
     * starts a fresh cycle whose first attempt is at once; one that was not counts as a failed attempt of the cycle
     * that opened it, which goes on: RECONNECTING with its next delay (at once for a socket longlink replaced, a stale
     * feed or a resync, unless the one before was short-lived too), or FAILED when its attempts are used up. The
     * rejection policy has the last word for the upstream's close code: FAILED at once (a fatal code), new
     * credentials and an attempt at once (an unauthorized code), or at least {@code initial-delay} (1013).
     */
    @Override
    public void sessionLost(Session session, Session.Ending ending) {
        long newCycle = -1;
        int failedBefore = 0;
        SocketPacing.Loss loss;
        RejectionPolicy.Decision decision;
        String because = "socket lost: " + ending.reason()
                + (ending.closeCode() == null ? "" : " (close code " + ending.closeCode() + ")");
        Phase was;
        synchronized (this) {
            if (!(phase instanceof Phase.Open o && o.session() == session)) {
                return;
            }
            was = phase;
            Instant now = env.clock().instant();
            java.time.Duration stableAfter = config.reconnect().stableAfter();
            loss = pacing.lost(o, stableAfter, ending.replaced());
            boolean stable = loss.stable();
            decision = cycles.lostLocked(ending.closeCode(), now, stable);
            String lastError = decision.error() != null ? decision.error()
                    : pacing.lastError(ending.reason(), stableAfter);
            history.failed(lastError);
            history.closed(ending.closeCode(), ending.closeReason());
            if (!mayRunLocked()) {
                cycles.resetLocked();
                moveLocked(new Phase.Closed(), because + "; not reconnecting: "
                        + (stopped ? "the process is stopping" : "this instance no longer owns the connection"));
            } else if (decision.action() == RejectionPolicy.Action.FAIL) {
                cycles.resetLocked();
                moveLocked(new Phase.Failed(), because + ": " + lastError);
            } else if (!stable && cycles.exhaustedLocked()) {
                moveLocked(new Phase.Failed(), because + "; " + cycles.attemptLocked() + " attempts failed ("
                        + lastError + ")");
            } else if (!stable || decision.notBefore() != null) {
                failedBefore = stable ? 0 : cycles.attemptLocked();
                newCycle = stable ? cycles.beginLocked() : cycles.continueLocked();
                long delayMillis = RejectionPolicy.delayMillis(decision, loss.atOnce() ? 0 : cycles.nextDelayLocked(),
                        now);
                String next = pacing.flapping(phase, stableAfter) ? "; " + lastError : "";
                if (delayMillis == 0) {
                    moveLocked(new Phase.Connecting(newCycle, newSessionLocked()), because + next);
                } else {
                    moveLocked(new Phase.Reconnecting(newCycle, now.plusMillis(delayMillis), delayMillis), because
                            + next + "; next attempt in " + delayMillis + " ms");
                }
            } else {
                newCycle = beginCycleLocked(because);
            }
        }
        env.observer().socketEnded(id, loss.livedNanos());
        Log.warnf("[%s] socket lost (%s%s) after %d ms: %s", id, ending.reason(),
                ending.closeCode() == null ? "" : ", close code " + ending.closeCode(), loss.livedNanos() / 1_000_000,
                newCycle < 0 ? "failed, no further attempt until opened again" : "reconnecting");
        abortRotation(was);
        // held answers wait for a socket that is gone: release them (the messages stay queued)
        pacer.releaseAll();
        if (decision.action() == RejectionPolicy.Action.REFRESH) {
            cycles.refreshCredentials();
        }
        if (newCycle >= 0) {
            cycles.run(newCycle, failedBefore);
        }
    }

    // --- make-before-break (Rotation.Supervisor) ---

    @Override
    public void rotationRequested(Session session, String reason) {
        rotation.start(session, reason);
    }

    @Override
    public synchronized Session incomingFor(Session open) {
        boolean rotatable = phase instanceof Phase.Open o && o.session() == open && desired == DesiredState.OPEN
                && mayRunLocked();
        return rotatable ? new Session(sessions, history.generation() + 1, this, true) : null;
    }

    /** OPEN → OPEN: the rotation's incoming session is the open one now; the old socket was closed on request. */
    @Override
    public long handedOver(Session old, Session incoming) {
        long livedNanos;
        long gen;
        synchronized (this) {
            if (!(phase instanceof Phase.Open o && o.session() == old)) {
                return -1;
            }
            livedNanos = pacing.closed(o);
            gen = history.opened(env.clock().instant());
            moveLocked(new Phase.Open(incoming, env.timers().nanoTime()), "rotated (generation " + gen + ")");
        }
        env.observer().socketEnded(id, livedNanos);
        return gen;
    }

    @Override
    public synchronized void rotationFailed(Session open, String error) {
        if (phase instanceof Phase.Open o && o.session() == open) {
            history.failed(error);
        }
    }

    /** A phase left behind was OPEN: a rotation of its session ends. */
    private void abortRotation(Phase was) {
        if (was instanceof Phase.Open o) {
            rotation.abort(o.session());
        }
    }

    // --- closing ---

    /** Any phase → CLOSING (an open socket) or CLOSED; a close already running is joined. */
    private CompletionStage<Void> closeWith(int code, String reason, DesiredState newDesired) {
        Phase was;
        CompletableFuture<Void> done = null;
        long livedNanos = -1;
        synchronized (this) {
            if (newDesired != null) {
                desired = newDesired;
            }
            was = phase;
            if (was instanceof Phase.Closing c) {
                return c.done();
            }
            cycles.resetLocked();
            if (was instanceof Phase.Open o) {
                livedNanos = pacing.closed(o);
                done = new CompletableFuture<>();
                moveLocked(new Phase.Closing(done), reason);
            } else {
                moveLocked(new Phase.Closed(), reason);
            }
        }
        if (was instanceof Phase.Connecting c) {
            c.session().abort();
        } else if (was instanceof Phase.Offline o) {
            o.probe().stop();
        }
        abortRotation(was);
        rotation.closeRetiring(code, reason);
        if (!(was instanceof Phase.Open open)) {
            return CompletableFuture.completedFuture(null);
        }
        pacer.releaseAll();
        env.observer().socketEnded(id, livedNanos);
        Log.infof("[%s] closing with %d %s", id, code, reason);
        CompletableFuture<Void> closing = done;
        open.session().close(code, reason).whenComplete((answered, failure) -> closeFinished(closing, code,
                Boolean.TRUE.equals(answered) ? reason : reason + " (no close frame from upstream in time)"));
        return closing;
    }

    /** CLOSING → CLOSED, or straight into a new cycle when the operator asked to open meanwhile. */
    private void closeFinished(CompletableFuture<Void> done, int code, String reason) {
        long newCycle = -1;
        synchronized (this) {
            if (!(phase instanceof Phase.Closing c && c.done() == done)) {
                return;
            }
            history.closed(code, reason);
            moveLocked(new Phase.Closed(), reason);
            if (desired == DesiredState.OPEN && mayRunLocked()) {
                newCycle = beginCycleLocked("open requested while closing");
            }
        }
        Log.infof("[%s] closed", id);
        done.complete(null);
        if (newCycle >= 0) {
            cycles.run(newCycle);
        }
    }

}
