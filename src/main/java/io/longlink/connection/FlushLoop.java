package io.longlink.connection;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.longlink.outbox.OutboundMessage;
import io.quarkus.logging.Log;

/**
 * The flush loop of one {@link Session}: the one send path of its socket. Each step writes up to
 * {@code outbox.batch-size} messages from the outbox head, with the waiting requests placed among them in arrival
 * order ({@link Outgoing}), then marks exactly the written messages sent; a failed write ends the session and the
 * rest stays queued for the next socket.
 *
 * <ul>
 * <li>One loop runs at a time ({@code running}); {@link #kick} starts it from the executor, after what the current
 * event-loop turn does, so that the enqueues of one burst of requests leave in one batch.</li>
 * <li>Each batch first waits for the connection's {@code send-rate} ({@link SendRate#whenAllowed}) and is cut to what
 * its window allows; the rest stays queued, in order, and the loop waits (still {@code flushing}) for its turn.
 * Without a limit nothing waits.</li>
 * <li>A batch of several frames is written off the socket's event loop, so that it leaves in one flush: at once from
 * another thread, else from the environment's sender thread; a single frame at once.</li>
 * <li>{@link #stopWriting} (a make-before-break hand-over): no new step starts, and the stage completes once the
 * step in flight completed, marked what it wrote sent and handed its requests to this socket. Requests still
 * waiting stay with the connection for the next socket.</li>
 * </ul>
 *
 * <p>The mutable state is guarded by {@code this}; the socket is written, and the session told, outside the lock.
 */
final class FlushLoop {

    /** What the loop needs of its session. */
    interface Owner {
        /** The socket to write to while the session is active, else null. */
        UpstreamSocket activeSocket();

        /** The session cannot write any more (a failed write, a lost lease): it ends with {@code why}. */
        void flushFailed(Session.Ending why);

        /** Outbox messages were written and marked sent. */
        void flushed();
    }

    private final SessionContext ctx;
    private final Owner owner;
    /** A loop is running. */
    private boolean running;
    /** No new step starts: the socket is being handed over. */
    private boolean draining;
    /** Completes when the loop stopped after {@link #stopWriting}. */
    private CompletableFuture<Void> drained;

    FlushLoop(SessionContext ctx, Owner owner) {
        this.ctx = ctx;
        this.owner = owner;
    }

    /** New messages or requests are waiting: runs the loop unless it runs already, hands over, or is not active. */
    void kick() {
        if (owner.activeSocket() == null) {
            return;
        }
        synchronized (this) {
            if (running || draining) {
                return;
            }
            running = true;
        }
        ctx.env().executor().execute(this::step);
    }

    /** The socket is being handed over to the next one: completes once no step is in flight any more. */
    CompletionStage<Void> stopWriting() {
        synchronized (this) {
            draining = true;
            if (running) {
                drained = drained == null ? new CompletableFuture<>() : drained;
                return drained;
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    private void step() {
        if (ctx.outbox().queued(ctx.id()) == 0) {
            // nothing in the outbox: only requests may wait, and the outbox need not be read
            write(List.of());
            return;
        }
        ctx.outbox().head(ctx.id(), ctx.config().outbox().batchSize()).whenComplete((batch, failure) -> {
            if (failure != null) {
                Log.warnf("[%s] the outbox could not be read: %s; retrying in %d ms", ctx.id(), failure.getMessage(),
                        ctx.config().reconnect().initialDelay().toMillis());
                stop();
                ctx.env().timers().schedule(ctx.config().reconnect().initialDelay(), this::kick);
            } else {
                write(batch);
            }
        });
    }

    /** The socket to write to: the session's while it is active and not handing over, else null. */
    private UpstreamSocket target() {
        synchronized (this) {
            if (draining) {
                return null;
            }
        }
        return owner.activeSocket();
    }

    /**
     * Writes the outbox messages {@code batch} with the requests that go among them ({@link Outgoing}), or as many of
     * those frames as {@code send-rate} allows now (messages and requests both count; the rest waits, in order).
     */
    private void write(List<OutboundMessage> batch) {
        int wanted = batch.size() + Math.min(ctx.requests().waiting(), ctx.config().outbox().batchSize());
        if (wanted == 0) {
            send(batch, 0);
            return;
        }
        ctx.sendRate().whenAllowed(wanted, false, frames -> send(batch, frames));
    }

    /** Begins writing at most {@code frames} frames (what the rate allowed); answers how many it began to write. */
    private int send(List<OutboundMessage> batch, int frames) {
        UpstreamSocket target = target();
        if (target == null) {
            stop();
            return 0;
        }
        Outgoing out = Outgoing.of(batch, ctx.requests(), ctx.config().outbox().batchSize(), frames, owner);
        if (out.isEmpty()) {
            stop();
            // a message or request may have come after the head was read, while the loop still looked busy
            if (moreToSend()) {
                kick();
            }
            return 0;
        }
        if (out.frames().size() == 1 || !target.onItsLoop()) {
            // one frame, or a thread whose writes the socket's loop queues and flushes together
            issue(target, out);
        } else {
            // several frames on the socket's own loop: written from the sender so that they leave in one flush
            ctx.env().sender().execute(() -> issue(target, out));
        }
        return out.frames().size();
    }

    /** Outbox messages or requests wait. */
    private boolean moreToSend() {
        return ctx.outbox().queued(ctx.id()) > 0 || ctx.requests().anyWaiting();
    }

    private void issue(UpstreamSocket target, Outgoing out) {
        if (!ctx.env().ownership().mayAct(ctx.id())) {
            // a cluster instance that lost its lease (paused, partitioned) writes nothing more: checked right
            // before the socket write, on the thread that makes it
            ctx.requests().giveBack(out.requests());
            ctx.sendRate().settle(out.frames().size());
            stop();
            owner.flushFailed(new Session.Ending("this instance no longer owns the connection", null, null));
            return;
        }
        target.write(out.frames()).whenComplete((written, failure) -> {
            ctx.sendRate().settle(out.frames().size());
            int count = failure == null ? written.count() : 0;
            List<OutboundMessage> sent = out.messagesIn(count);
            if (!sent.isEmpty()) {
                ctx.outbox().markSent(ctx.id(), sent, ctx.env().clock().instant());
                ctx.counters().sent.addAndGet(sent.size());
                owner.flushed();
            }
            if (count < out.frames().size()) {
                stop();
                Throwable cause = failure != null ? failure : written.failure();
                owner.flushFailed(new Session.Ending("write failed: " + FailureClassifier.describe(cause), null, null));
                return;
            }
            if (target() == null) {
                stop();
                return;
            }
            // continue from the executor rather than deeper in this stack
            if (moreToSend()) {
                ctx.env().executor().execute(this::step);
            } else {
                stop();
                // a message may have been stored after the count was read, while the loop still looked busy
                if (moreToSend()) {
                    ctx.env().executor().execute(this::kick);
                }
            }
        });
    }

    /** The loop stops; a hand-over waiting for it ({@link #stopWriting}) goes on. */
    private void stop() {
        CompletableFuture<Void> waiting;
        synchronized (this) {
            running = false;
            waiting = drained;
        }
        if (waiting != null) {
            waiting.complete(null);
        }
    }
}
