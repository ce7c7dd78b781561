package io.longlink.connection;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

import io.longlink.config.LonglinkConfig;
import io.longlink.session.Matcher;
import io.longlink.session.SessionPlan;
import io.longlink.session.Template;
import io.quarkus.logging.Log;

/**
 * One socket of a connection, from the connect attempt to its end: the handshake and its deadline, its heartbeat,
 * its flush loop and its inbound frames. A new socket is a new session; a session never outlives its socket and
 * nothing of it can reach a later one, because the supervisor only listens to the session its phase holds.
 *
 * <pre>
 *  HANDSHAKING ── handshake ok ──► STEPS ── last on-open step done ──► READY ── activate() ──► ACTIVE
 *       │                            │                                  │                        │
 *       └──────────────────── end(reason): any failure, close, abort ───┴────────────────────────┴──► ENDED (once)
 * </pre>
 *
 * <ul>
 * <li>{@link #start()} expands the handshake headers (templates, afresh at every attempt), gets the OAuth2 token
 * when the connection has one (the held one, or a new one), connects, then runs the
 * on-open steps of the {@link SessionPlan} in order: each sends its frame and, with {@code expect}, waits for a
 * matching inbound message within its timeout. It completes when the session is READY, and fails with the reason
 * when it ends before (a template that cannot be expanded, connect failure, handshake deadline, a step that timed
 * out, the socket dropped); a failed step closes the socket with 1000.</li>
 * <li>{@link #activate()} starts the heartbeat and the flush loop; only then does an end count as a lost socket
 * for the supervisor ({@link Listener#sessionLost}, at most once). An end that the supervisor asked for
 * ({@link #close}, {@link #abort}) is never reported.</li>
 * <li>Every inbound message goes to the inbound log, replies to steps included (replies to requests unless
 * {@code requests.log-replies=false}; they answer their request once appended); with {@code heartbeat.mode=text}
 * a message matching {@code heartbeat.expect} answers the heartbeat and is kept only with
 * {@code heartbeat.keep-pongs}.</li>
 * <li>While ACTIVE, its {@link FlushLoop} writes the outbox and the waiting requests to the socket, in arrival
 * order (a failed write ends the session and the rest stays queued for the next socket), and the {@link FeedWatch}
 * checks the inbound feed (stale, due for rotation, out of sequence).</li>
 * <li>Every frame it writes (outbox messages, requests, on-open steps, text heartbeats; not protocol pings) first
 * waits for the connection's {@code send-rate} ({@link SendRate#whenAllowed}), which outlives the socket: a new
 * socket's on-open steps (a rotation's incoming one's too) count in the window the last one wrote in. Without a
 * limit nothing waits.</li>
 * </ul>
 *
 * <p>All mutable state is guarded by {@code this}; sockets are written and closed, and listeners called, outside
 * the lock.
 */
final class Session implements SocketEvents, HeartbeatMonitor.Listener, ReconnectCycle.Attempt, FlushLoop.Owner,
        FeedWatch.Listener {

    private static final int NORMAL_CLOSURE = 1000;
    private static final int UNEXPECTED_CONDITION = 1011;

    interface Listener {
        /** An active session's socket is over without being asked to: {@code reason} for {@code lastError}. */
        void sessionLost(Session session, Ending ending);

        /** A flush step wrote messages and marked them sent. */
        default void delivered(Session session) {
        }

        /** The socket is to be replaced make-before-break ({@code rotate-after}, {@code rotate-on}). */
        default void rotationRequested(Session session, String reason) {
        }
    }

    /**
     * Why a session ended: a reason for people, the upstream's close code and reason when it sent one, and whether
     * longlink replaced the socket itself (a stale feed, a resync).
     */
    record Ending(String reason, Integer closeCode, String closeReason, boolean replaced) {
        Ending(String reason, Integer closeCode, String closeReason) {
            this(reason, closeCode, closeReason, false);
        }
    }

    private enum Step {
        HANDSHAKING, STEPS, READY, ACTIVE, ENDED
    }

    private final SessionContext ctx;
    private final Listener listener;
    /** The generation this socket will have once open, for {@code {{generation}}}. */
    private final long generation;
    private final HeartbeatMonitor heartbeat;
    /** The feed checks of this socket: stale-feed watchdog, rotation, sequence run. */
    private final FeedWatch feed;
    /** Writes the outbox and the waiting requests to the socket while ACTIVE. */
    private final FlushLoop flush;
    /** Completes when READY; fails when the session ends before. */
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    private Step step = Step.HANDSHAKING;
    /** {@link #start()} was called. */
    private boolean started;
    /** The socket, once the handshake succeeded. */
    private UpstreamSocket socket;
    /** Why the session ended, once ENDED. */
    private Ending ending;
    private long handshakeTimer = -1;
    /** The on-open step running, while STEPS. */
    private int stepIndex = -1;
    /** What the running step waits for, or null. */
    private Matcher awaiting;
    private long stepTimer = -1;
    /** The expanded application-level ping, with {@code heartbeat.mode=text}. */
    private String textPing;

    Session(SessionContext ctx, long generation, Listener listener) {
        this(ctx, generation, listener, false);
    }

    /** {@code replacing}: this socket replaces the open one make-before-break. */
    Session(SessionContext ctx, long generation, Listener listener, boolean replacing) {
        this.ctx = ctx;
        this.generation = generation;
        this.listener = listener;
        LonglinkConfig.Heartbeat hb = ctx.config().heartbeat();
        this.heartbeat = new HeartbeatMonitor(ctx.env().timers(), hb.interval(), hb.timeout(), this::ping, this);
        this.feed = new FeedWatch(ctx, replacing, this);
        this.flush = new FlushLoop(ctx, this);
    }

    /** Connects; the stage completes when the socket is ready for the outbox, or fails with why not. */
    @Override
    public CompletionStage<Void> start() {
        long deadline = ctx.config().connectTimeout().toMillis();
        synchronized (this) {
            started = true;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        Template.Values values = ctx.templateValues(generation);
        try {
            ctx.plan().headers().forEach((name, template) -> headers.put(name, template.expand(values)));
            SessionPlan.TextHeartbeat hb = ctx.plan().textHeartbeat();
            textPing = hb == null ? null : hb.text().expand(values);
        } catch (Template.ExpansionException e) {
            failBeforeReady(e);
            return ready;
        }
        synchronized (this) {
            handshakeTimer = ctx.env().timers().schedule(ctx.config().connectTimeout(),
                    () -> failBeforeReady(new TimeoutException("no handshake within " + deadline + " ms")));
        }
        CompletionStage<String> token = ctx.tokens() == null ? CompletableFuture.completedFuture(null)
                : ctx.tokens().current(values);
        token.whenComplete((bearer, failure) -> {
            if (failure != null) {
                failBeforeReady(failure);
            } else {
                connect(handshake(headers, bearer));
            }
        });
        return ready;
    }

    /** The handshake's headers and query parameters, with the OAuth2 token where the configuration puts it. */
    private Handshake handshake(Map<String, String> headers, String bearer) {
        Map<String, String> query = new LinkedHashMap<>();
        if (bearer != null) {
            java.util.Optional<String> param = ctx.config().auth().oauth2().queryParam();
            if (param.isPresent()) {
                query.put(param.get(), bearer);
            } else {
                headers.keySet().removeIf(name -> name.equalsIgnoreCase("Authorization"));
                headers.put("Authorization", "Bearer " + bearer);
            }
        }
        return new Handshake(headers, query);
    }

    private void connect(Handshake handshake) {
        synchronized (this) {
            if (step != Step.HANDSHAKING) {
                return;
            }
        }
        ctx.upstream().connect(handshake, this).whenComplete((opened, failure) -> {
            if (failure != null) {
                failBeforeReady(failure);
            } else {
                handshakeDone(opened);
            }
        });
    }

    /**
     * Starts the heartbeat and the flush loop. Returns false when the session ended in the meantime; the caller
     * then treats it as lost, since no {@link Listener#sessionLost} comes for a session that never was active.
     */
    boolean activate() {
        synchronized (this) {
            if (step != Step.READY) {
                return false;
            }
            step = Step.ACTIVE;
        }
        heartbeat.start();
        feed.start();
        kick();
        return true;
    }

    /**
     * The socket is being handed over to the next one: no new flush step starts, and the stage completes once the
     * step in flight (if any) completed and marked what it wrote sent. The socket keeps reading.
     */
    CompletionStage<Void> stopWriting() {
        return flush.stopWriting();
    }

    /** Completes once every request this socket wrote has its answer ({@link PendingRequests#settled}). */
    CompletionStage<Void> requestsSettled() {
        return ctx.requests().settled(this);
    }

    /** The connection's sequences (null without {@code inbound.sequence.pointer}). */
    FeedSequence sequences() {
        return ctx.sequences();
    }

    /** Whether {@link #start()} was called: a session serves one attempt. */
    synchronized boolean started() {
        return started;
    }

    /** Why the session ended, or null while it has not. */
    @Override
    public synchronized Ending ending() {
        return ending;
    }

    /** New messages or requests are waiting: runs the flush loop unless it runs already ({@link FlushLoop#kick}). */
    void kick() {
        flush.kick();
    }

    @Override
    public synchronized UpstreamSocket activeSocket() {
        return step == Step.ACTIVE ? socket : null;
    }

    @Override
    public void flushFailed(Ending why) {
        lost(why, true);
    }

    @Override
    public void flushed() {
        listener.delivered(this);
    }

    /**
     * Ends the session on request: a close frame with {@code code}; the stage completes with true when the upstream
     * answered it, false when the close timeout ran out first (the socket is dropped then).
     */
    CompletionStage<Boolean> close(int code, String reason) {
        Ended ended = end(new Ending(reason, null, null));
        UpstreamSocket target = ended == null ? null : ended.socket();
        if (target == null) {
            return CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Boolean> closed = new CompletableFuture<>();
        long timer = ctx.env().timers().schedule(ctx.config().closeTimeout(), () -> closed.complete(false));
        target.close(code, reason).whenComplete((ok, failure) -> {
            ctx.env().timers().cancel(timer);
            closed.complete(true);
        });
        return closed;
    }

    /** Ends the session on request before it became active (the operator closed while connecting). */
    @Override
    public void abort() {
        Ended ended = end(new Ending("superseded", null, null));
        if (ended != null) {
            closeQuietly(ended.socket(), NORMAL_CLOSURE, "superseded");
        }
    }

    // --- the socket's events ---

    @Override
    public void textReceived(String text) {
        if (isOver()) {
            return;
        }
        ctx.counters().received.incrementAndGet();
        SessionPlan.TextHeartbeat hb = ctx.plan().textHeartbeat();
        boolean pong = hb != null && hb.expect().matches(text);
        if (pong) {
            heartbeat.pongReceived();
        }
        PendingRequests.Pending request = ctx.requests().match(text);
        boolean keep = !pong ? feed.text(text) : hb.keepPongs();
        if (keep && (request == null || ctx.config().requests().logReplies())) {
            ctx.inbox().appendText(text);
            if (ctx.newest().tracking()) {
                ctx.newest().observe(text);
            }
        }
        if (request != null) {
            ctx.requests().answer(request, text);
        }
        int matchedStep = -1;
        synchronized (this) {
            if (step == Step.STEPS && awaiting != null && awaiting.matches(text)) {
                matchedStep = stepIndex;
                awaiting = null;
                ctx.env().timers().cancel(stepTimer);
            }
        }
        if (matchedStep >= 0) {
            runStep(matchedStep + 1);
        }
    }

    @Override
    public void binaryReceived(byte[] bytes) {
        if (isOver()) {
            return;
        }
        ctx.counters().received.incrementAndGet();
        feed.binary();
        ctx.inbox().appendBinary(bytes);
    }

    @Override
    public void pongReceived() {
        if (ctx.plan().textHeartbeat() == null) {
            heartbeat.pongReceived();
        }
    }

    @Override
    public void closed(Integer code, String reason) {
        lost(new Ending("closed by upstream", code, reason), false);
    }

    @Override
    public void failed(Throwable failure) {
        lost(new Ending("socket error: " + FailureClassifier.describe(failure), null, null), true);
    }

    @Override
    public void heartbeatMissed(String detail) {
        lost(new Ending("heartbeat: " + detail, null, null), true);
    }

    @Override
    public void replaceDue(String reason) {
        // a stale feed or a gap to resync: closed with 1000, and the supervisor reconnects as for a lost socket
        lost(new Ending(reason, null, null, true), NORMAL_CLOSURE, "replacing the socket");
    }

    @Override
    public void rotationDue(String reason) {
        listener.rotationRequested(this, reason);
    }

    @Override
    public void heartbeatAnswered(long roundTripNanos) {
        ctx.counters().pong(ctx.env().clock().instant(), roundTripNanos);
        ctx.env().observer().heartbeatAnswered(ctx.id(), roundTripNanos);
    }

    /** A protocol ping at once (it does not count for {@code send-rate}); a text heartbeat when the rate allows. */
    private CompletionStage<Void> ping() {
        UpstreamSocket target;
        synchronized (this) {
            target = socket;
        }
        if (target == null) {
            return CompletableFuture.completedFuture(null);
        }
        if (textPing == null) {
            return target.ping();
        }
        CompletableFuture<Void> sent = new CompletableFuture<>();
        ctx.sendRate().whenAllowed(1, true, frames -> {
            if (isOver()) {
                sent.complete(null);
                return 0;
            }
            target.sendText(textPing).whenComplete((ok, failure) -> {
                ctx.sendRate().settle(1);
                if (failure != null) {
                    sent.completeExceptionally(failure);
                } else {
                    sent.complete(null);
                }
            });
            return 1;
        });
        return sent;
    }

    // --- the on-open steps ---

    /** Runs on-open step {@code index}, or becomes READY after the last one. */
    private void runStep(int index) {
        List<SessionPlan.Step> steps = ctx.plan().steps();
        if (index >= steps.size()) {
            becomeReady();
            return;
        }
        SessionPlan.Step plan = steps.get(index);
        String text;
        try {
            text = plan.text() == null ? null : plan.text().expand(ctx.templateValues(generation));
        } catch (Template.ExpansionException e) {
            failSteps(plan.key() + ": " + e.getMessage());
            return;
        }
        if (text == null && plan.binary() == null) {
            sendStep(plan, null);
        } else {
            ctx.sendRate().whenAllowed(1, true, frames -> sendStep(plan, text));
        }
    }

    /** Sends the step's frame (none when it only waits) and starts its {@code expect} timeout; 0 when not STEPS. */
    private int sendStep(SessionPlan.Step plan, String text) {
        UpstreamSocket target;
        synchronized (this) {
            if (step != Step.STEPS) {
                return 0;
            }
            target = socket;
            stepIndex = plan.index();
            awaiting = plan.expect();
            if (awaiting != null) {
                stepTimer = ctx.env().timers().schedule(plan.timeout(), () -> stepTimedOut(plan));
            }
        }
        CompletionStage<Void> sent = text != null ? target.sendText(text)
                : plan.binary() != null ? target.sendBinary(plan.binary())
                        : CompletableFuture.completedFuture(null);
        sent.whenComplete((ok, failure) -> {
            if (text != null || plan.binary() != null) {
                ctx.sendRate().settle(1);
            }
            if (failure != null) {
                failSteps(plan.key() + ": could not be sent: " + FailureClassifier.describe(failure));
            } else if (plan.expect() == null) {
                runStep(plan.index() + 1);
            }
        });
        return 1;
    }

    private void stepTimedOut(SessionPlan.Step plan) {
        synchronized (this) {
            if (step != Step.STEPS || stepIndex != plan.index() || awaiting == null) {
                return;
            }
        }
        failSteps(plan.key() + ": no message matching " + plan.expect() + " within "
                + DurationText.of(plan.timeout()));
    }

    private void becomeReady() {
        synchronized (this) {
            if (step != Step.STEPS) {
                return;
            }
            step = Step.READY;
        }
        ready.complete(null);
    }

    /** An on-open step failed: the attempt fails with {@code reason} and the socket is closed with 1000. */
    private void failSteps(String reason) {
        Ended ended;
        synchronized (this) {
            if (step != Step.STEPS) {
                return;
            }
        }
        ready.completeExceptionally(new OnOpenFailedException(reason));
        ended = end(new Ending(reason, null, null));
        if (ended != null) {
            closeQuietly(ended.socket(), NORMAL_CLOSURE, "on-open step failed");
        }
    }

    // --- the one way a session ends ---

    private synchronized boolean isOver() {
        return step == Step.ENDED;
    }

    private void handshakeDone(UpstreamSocket opened) {
        boolean over;
        synchronized (this) {
            over = step == Step.ENDED;
            if (!over) {
                socket = opened;
                step = Step.STEPS;
                ctx.env().timers().cancel(handshakeTimer);
            }
        }
        if (over) {
            closeQuietly(opened, NORMAL_CLOSURE, "superseded");
            return;
        }
        runStep(0);
    }

    private void failBeforeReady(Throwable failure) {
        boolean failed;
        synchronized (this) {
            failed = step == Step.HANDSHAKING;
            if (failed) {
                step = Step.ENDED;
                ending = new Ending(FailureClassifier.describe(failure), null, null);
                ctx.env().timers().cancel(handshakeTimer);
            }
        }
        if (failed) {
            ready.completeExceptionally(failure);
        }
    }

    /** The socket is over without being asked to: report it once, and drop the socket when asked. */
    private void lost(Ending why, boolean closeSocket) {
        lost(why, closeSocket ? UNEXPECTED_CONDITION : -1, "connection considered dead");
    }

    /** The socket is over: report it once, and close it with {@code code} and {@code closeReason} unless -1. */
    private void lost(Ending why, int code, String closeReason) {
        Ended ended = end(why);
        if (ended == null) {
            return;
        }
        if (code > 0) {
            closeQuietly(ended.socket(), code, closeReason);
        }
        if (ended.before() == Step.ACTIVE) {
            listener.sessionLost(this, why);
        }
        // HANDSHAKING, STEPS: end() failed the start; READY: activate() will answer false and the supervisor asks ending()
    }

    /** What {@link #end} found: the socket to close (null when none) and the step the session was in. */
    private record Ended(UpstreamSocket socket, Step before) {
    }

    /**
     * Moves to ENDED with {@code why} unless already there, stops the heartbeat and fails a pending start. Returns
     * null when the session had already ended.
     */
    private Ended end(Ending why) {
        Ended ended;
        synchronized (this) {
            if (step == Step.ENDED) {
                return null;
            }
            ctx.env().timers().cancel(handshakeTimer);
            ctx.env().timers().cancel(stepTimer);
            ended = new Ended(socket, step);
            step = Step.ENDED;
            ending = why;
        }
        heartbeat.stop();
        feed.stop();
        ready.completeExceptionally(new SessionEndedException(why.reason()));
        ctx.requests().socketEnded(this, why.reason());
        return ended;
    }

    private void closeQuietly(UpstreamSocket target, int code, String reason) {
        if (target != null) {
            target.close(code, reason).whenComplete((ok, failure) -> {
                if (failure != null) {
                    Log.debugf("[%s] close of a dead socket failed: %s", ctx.id(), failure.getMessage());
                }
            });
        }
    }
}
