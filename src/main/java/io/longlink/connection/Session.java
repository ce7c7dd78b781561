package io.longlink.connection;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

import io.longlink.config.LonglinkConfig;
import io.longlink.inbox.InboundLog;
import io.longlink.outbox.OutboundMessage;
import io.longlink.outbox.OutboxStore;
import io.quarkus.logging.Log;

/**
 * One socket of a connection, from the connect attempt to its end: the handshake and its deadline, its heartbeat,
 * its flush loop and its inbound frames. A new socket is a new session; a session never outlives its socket and
 * nothing of it can reach a later one, because the supervisor only listens to the session its phase holds.
 *
 * <pre>
 *  HANDSHAKING ── handshake ok ──► READY ── activate() ──► ACTIVE
 *       │                            │                        │
 *       └────────────── end(reason): any failure, close, abort ──► ENDED (once)
 * </pre>
 *
 * <ul>
 * <li>{@link #start()} completes when the session is READY, and fails with the reason when it ends before (connect
 * failure, handshake deadline, the socket dropped).</li>
 * <li>{@link #activate()} starts the heartbeat and the flush loop; only then does an end count as a lost socket
 * for the supervisor ({@link Listener#sessionLost}, at most once). An end that the supervisor asked for
 * ({@link #close}, {@link #abort}) is never reported.</li>
 * <li>The flush loop writes up to {@code outbox.batch-size} messages from the outbox head, then marks exactly the
 * written prefix sent; a failed write ends the session and the rest stays queued for the next socket. One loop runs
 * at a time ({@code flushing}).</li>
 * </ul>
 *
 * <p>All mutable state is guarded by {@code this}; sockets are written and closed, and listeners called, outside
 * the lock.
 */
final class Session implements SocketEvents, HeartbeatMonitor.Listener {

    private static final int NORMAL_CLOSURE = 1000;
    private static final int UNEXPECTED_CONDITION = 1011;

    /** What a session needs of its connection; one per connection, shared by its sessions. */
    record Context(String id, LonglinkConfig.ConnectionConfig config, Upstream upstream, OutboxStore outbox,
            InboundLog inbox, ConnectionCounters counters, ConnectionEnvironment env) {
    }

    interface Listener {
        /** An active session's socket is over without being asked to: {@code reason} for {@code lastError}. */
        void sessionLost(Session session, Ending ending);
    }

    /** Why a session ended: a reason for people, and the upstream's close code and reason when it sent one. */
    record Ending(String reason, Integer closeCode, String closeReason) {
    }

    private enum Step {
        HANDSHAKING, READY, ACTIVE, ENDED
    }

    private final Context ctx;
    private final Listener listener;
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

    Session(Context ctx, Listener listener) {
        this.ctx = ctx;
        this.listener = listener;
        LonglinkConfig.Heartbeat hb = ctx.config().heartbeat();
        this.heartbeat = new HeartbeatMonitor(ctx.env().timers(), hb.interval(), hb.timeout(), this::ping, this);
    }

    /** Connects; the stage completes when the socket is ready for the outbox, or fails with why not. */
    CompletionStage<Void> start() {
        long deadline = ctx.config().connectTimeout().toMillis();
        synchronized (this) {
            started = true;
            handshakeTimer = ctx.env().timers().schedule(ctx.config().connectTimeout(),
                    () -> failBeforeReady(new TimeoutException("no handshake within " + deadline + " ms")));
        }
        ctx.upstream().connect(this).whenComplete((opened, failure) -> {
            if (failure != null) {
                failBeforeReady(failure);
            } else {
                handshakeDone(opened);
            }
        });
        return ready;
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
    synchronized Ending ending() {
        return ending;
    }

    /** New messages are waiting: runs the flush loop unless it runs already. */
    void kick() {
        synchronized (this) {
            if (step != Step.ACTIVE || flushing) {
                return;
            }
            flushing = true;
        }
        flush();
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
    void abort() {
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
        ctx.inbox().appendText(text);
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
        heartbeat.pongReceived();
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
        return target == null ? CompletableFuture.completedFuture(null) : target.ping();
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
                step = Step.READY;
                ctx.env().timers().cancel(handshakeTimer);
            }
        }
        if (over) {
            closeQuietly(opened, NORMAL_CLOSURE, "superseded");
            return;
        }
        ready.complete(null);
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
        // HANDSHAKING: end() failed the start; READY: activate() will answer false and the supervisor asks ending()
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
        target.write(batch).whenComplete((written, failure) -> {
            int count = failure == null ? written.count() : 0;
            if (count > 0) {
                ctx.outbox().markSent(ctx.id(), batch.subList(0, count), ctx.env().clock().instant());
                ctx.counters().sent.addAndGet(count);
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
            if (goOn) {
                // continue from the executor rather than deeper in this stack
                ctx.env().executor().execute(this::flush);
            }
        });
    }

    private synchronized void stopFlushing() {
        flushing = false;
    }
}
