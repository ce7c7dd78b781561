package io.longlink.connection;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

import io.longlink.config.LonglinkConfig;
import io.longlink.outbox.OutboundMessage;
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
 * <li>Every inbound message goes to the inbound log, replies to steps included; with {@code heartbeat.mode=text}
 * a message matching {@code heartbeat.expect} answers the heartbeat and is kept only with
 * {@code heartbeat.keep-pongs}.</li>
 * <li>The flush loop writes up to {@code outbox.batch-size} messages from the outbox head, then marks exactly the
 * written prefix sent; a failed write ends the session and the rest stays queued for the next socket. One loop runs
 * at a time ({@code flushing}). A batch of several frames is written off the socket's event loop, so that it leaves
 * in one flush: at once from another thread, else from the environment's sender thread; a single frame at once.</li>
 * </ul>
 *
 * <p>All mutable state is guarded by {@code this}; sockets are written and closed, and listeners called, outside
 * the lock.
 */
final class Session implements SocketEvents, HeartbeatMonitor.Listener, ReconnectCycle.Attempt {

    private static final int NORMAL_CLOSURE = 1000;
    private static final int UNEXPECTED_CONDITION = 1011;

    interface Listener {
        /** An active session's socket is over without being asked to: {@code reason} for {@code lastError}. */
        void sessionLost(Session session, Ending ending);

        /** A flush step wrote messages and marked them sent. */
        default void delivered(Session session) {
        }
    }

    /** Why a session ended: a reason for people, and the upstream's close code and reason when it sent one. */
    record Ending(String reason, Integer closeCode, String closeReason) {
    }

    private enum Step {
        HANDSHAKING, STEPS, READY, ACTIVE, ENDED
    }

    private final SessionContext ctx;
    private final Listener listener;
    /** The generation this socket will have once open, for {@code {{generation}}}. */
    private final long generation;
    private final HeartbeatMonitor heartbeat;
    /** Completes when READY; fails when the session ends before. */
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    private Step step = Step.HANDSHAKING;
    /** {@link #start()} was called. */
    private boolean started;
    /** The socket, once the handshake succeeded. */
    private UpstreamSocket socket;
    /** Why the session ended, once ENDED. */
    private Ending ending;
    /** A flush loop is running. */
    private boolean flushing;
    private long handshakeTimer = -1;
    /** The on-open step running, while STEPS. */
    private int stepIndex = -1;
    /** What the running step waits for, or null. */
    private Matcher awaiting;
    private long stepTimer = -1;
    /** The expanded application-level ping, with {@code heartbeat.mode=text}. */
    private String textPing;

    Session(SessionContext ctx, long generation, Listener listener) {
        this.ctx = ctx;
        this.generation = generation;
        this.listener = listener;
        LonglinkConfig.Heartbeat hb = ctx.config().heartbeat();
        this.heartbeat = new HeartbeatMonitor(ctx.env().timers(), hb.interval(), hb.timeout(), this::ping, this);
    }

    /** Connects; the stage completes when the socket is ready for the outbox, or fails with why not. */
    @Override
    public CompletionStage<Void> start() {
        long deadline = ctx.config().connectTimeout().toMillis();
        synchronized (this) {
            started = true;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        try {
            ctx.plan().headers().forEach((name, template) -> headers.put(name, template.expand(values())));
            SessionPlan.TextHeartbeat hb = ctx.plan().textHeartbeat();
            textPing = hb == null ? null : hb.text().expand(values());
        } catch (Template.ExpansionException e) {
            failBeforeReady(e);
            return ready;
        }
        synchronized (this) {
            handshakeTimer = ctx.env().timers().schedule(ctx.config().connectTimeout(),
                    () -> failBeforeReady(new TimeoutException("no handshake within " + deadline + " ms")));
        }
        CompletionStage<String> token = ctx.tokens() == null ? CompletableFuture.completedFuture(null)
                : ctx.tokens().current(values());
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
        kick();
        return true;
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

    /**
     * New messages are waiting: runs the flush loop unless it runs already. It starts from the executor, after what
     * the current event-loop turn does, so that the enqueues of one burst of requests leave in one batch.
     */
    void kick() {
        synchronized (this) {
            if (step != Step.ACTIVE || flushing) {
                return;
            }
            flushing = true;
        }
        ctx.env().executor().execute(this::flush);
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
        if (!pong || hb.keepPongs()) {
            ctx.inbox().appendText(text);
            if (ctx.newest().tracking()) {
                ctx.newest().observe(text);
            }
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
    public void heartbeatAnswered(long roundTripNanos) {
        ctx.counters().pong(ctx.env().clock().instant(), roundTripNanos);
        ctx.env().observer().heartbeatAnswered(ctx.id(), roundTripNanos);
    }

    private CompletionStage<Void> ping() {
        UpstreamSocket target;
        synchronized (this) {
            target = socket;
        }
        if (target == null) {
            return CompletableFuture.completedFuture(null);
        }
        return textPing == null ? target.ping() : target.sendText(textPing);
    }

    private Template.Values values() {
        return new Template.Values() {
            @Override
            public long generation() {
                return generation;
            }

            @Override
            public String env(String name) {
                return ctx.env().variables().apply(name);
            }

            @Override
            public String inbound(String pointer) {
                return ctx.newest().get(pointer);
            }
        };
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
            text = plan.text() == null ? null : plan.text().expand(values());
        } catch (Template.ExpansionException e) {
            failSteps(plan.key() + ": " + e.getMessage());
            return;
        }
        UpstreamSocket target;
        synchronized (this) {
            if (step != Step.STEPS) {
                return;
            }
            target = socket;
            stepIndex = index;
            awaiting = plan.expect();
            if (awaiting != null) {
                stepTimer = ctx.env().timers().schedule(plan.timeout(), () -> stepTimedOut(plan));
            }
        }
        CompletionStage<Void> sent = text != null ? target.sendText(text)
                : plan.binary() != null ? target.sendBinary(plan.binary())
                        : CompletableFuture.completedFuture(null);
        sent.whenComplete((ok, failure) -> {
            if (failure != null) {
                failSteps(plan.key() + ": could not be sent: " + FailureClassifier.describe(failure));
            } else if (plan.expect() == null) {
                runStep(index + 1);
            }
        });
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
        Ended ended = end(why);
        if (ended == null) {
            return;
        }
        if (closeSocket) {
            closeQuietly(ended.socket(), UNEXPECTED_CONDITION, "connection considered dead");
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
        ready.completeExceptionally(new SessionEndedException(why.reason()));
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

    // --- the flush loop ---

    private void flush() {
        ctx.outbox().head(ctx.id(), ctx.config().outbox().batchSize()).whenComplete((batch, failure) -> {
            if (failure != null) {
                Log.warnf("[%s] the outbox could not be read: %s; retrying in %d ms", ctx.id(), failure.getMessage(),
                        ctx.config().reconnect().initialDelay().toMillis());
                stopFlushing();
                ctx.env().timers().schedule(ctx.config().reconnect().initialDelay(), this::kick);
            } else if (batch.isEmpty()) {
                stopFlushing();
                // a message may have been stored after the head was read, while the loop still looked busy
                if (ctx.outbox().queued(ctx.id()) > 0) {
                    kick();
                }
            } else {
                write(batch);
            }
        });
    }

    private void write(List<OutboundMessage> batch) {
        UpstreamSocket target;
        synchronized (this) {
            target = step == Step.ACTIVE ? socket : null;
            if (target == null) {
                flushing = false;
            }
        }
        if (target == null) {
            return;
        }
        if (batch.size() == 1 || !target.onItsLoop()) {
            // one frame, or a thread whose writes the socket's loop queues and flushes together
            issue(target, batch);
        } else {
            // several frames on the socket's own loop: written from the sender so that they leave in one flush
            ctx.env().sender().execute(() -> issue(target, batch));
        }
    }

    private void issue(UpstreamSocket target, List<OutboundMessage> batch) {
        if (!ctx.env().ownership().mayAct(ctx.id())) {
            // a cluster instance that lost its lease (paused, partitioned) writes nothing more: checked right
            // before the socket write, on the thread that makes it
            stopFlushing();
            lost(new Ending("this instance no longer owns the connection", null, null), true);
            return;
        }
        target.write(batch).whenComplete((written, failure) -> {
            int count = failure == null ? written.count() : 0;
            if (count > 0) {
                ctx.outbox().markSent(ctx.id(), batch.subList(0, count), ctx.env().clock().instant());
                ctx.counters().sent.addAndGet(count);
                listener.delivered(this);
            }
            if (count < batch.size()) {
                stopFlushing();
                Throwable cause = failure != null ? failure : written.failure();
                lost(new Ending("write failed: " + FailureClassifier.describe(cause), null, null), true);
                return;
            }
            boolean goOn;
            synchronized (this) {
                goOn = step == Step.ACTIVE;
                if (!goOn) {
                    flushing = false;
                }
            }
            if (!goOn) {
                return;
            }
            // continue from the executor rather than deeper in this stack
            if (ctx.outbox().queued(ctx.id()) > 0) {
                ctx.env().executor().execute(this::flush);
            } else {
                stopFlushing();
                // a message may have been stored after the count was read, while the loop still looked busy
                if (ctx.outbox().queued(ctx.id()) > 0) {
                    ctx.env().executor().execute(this::kick);
                }
            }
        });
    }

    private synchronized void stopFlushing() {
        flushing = false;
    }
}
