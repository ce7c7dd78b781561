package io.longlink.connection;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.longlink.outbox.OutboundMessage;
import io.quarkus.logging.Log;

/**
 * The flush loop of one {@link Session}: it writes up to {@code outbox.batch-size} messages from the outbox head,
 * then marks exactly the written prefix sent; a failed write ends the session and the rest stays queued for the
 * next socket.
 *
 * <ul>
 * <li>One loop runs at a time ({@code flushing}); {@link #kick} starts it from the executor, after what the current
 * event-loop turn does, so that the enqueues of one burst of requests leave in one batch.</li>
 * <li>Each batch first waits for the connection's {@code send-rate} ({@link SendRate#whenAllowed}) and is cut to what
 * its window allows; the rest stays queued, in order, and the loop waits (still {@code flushing}) for its turn.
 * Without a limit nothing waits.</li>
 * <li>A batch of several frames is written off the socket's event loop, so that it leaves in one flush: at once from
 * another thread, else from the environment's sender thread; a single frame at once.</li>
 * <li>{@link #stopWriting} (a make-before-break hand-over): no new step starts, and the stage completes once the
 * step in flight completed and marked what it wrote sent.</li>
 * </ul>
 *
 * <p>The mutable state is guarded by {@code this}; the socket is written, and the session told, outside the lock.
 */
final class FlushLoop {

    private final SessionContext ctx;
    /** The session's socket while it is ACTIVE, else null. */
    private final Supplier<UpstreamSocket> active;
    /** Ends the session: a write failed, or this instance no longer owns the connection. */
    private final Consumer<Session.Ending> lost;
    /** A step wrote messages and marked them sent. */
    private final Runnable delivered;

    /** A loop is running. */
    private boolean flushing;
    /** No new step starts: the socket is being handed over. */
    private boolean draining;
    /** Completes when the loop stopped after {@link #stopWriting}. */
    private CompletableFuture<Void> drained;

    FlushLoop(SessionContext ctx, Supplier<UpstreamSocket> active, Consumer<Session.Ending> lost, Runnable delivered) {
        this.ctx = ctx;
        this.active = active;
        this.lost = lost;
        this.delivered = delivered;
    }

    /** New messages are waiting: runs the loop unless it runs already or the session is not ACTIVE. */
    void kick() {
        if (active.get() == null) {
            return;
        }
        synchronized (this) {
            if (flushing || draining) {
                return;
            }
            flushing = true;
        }
        ctx.env().executor().execute(this::flush);
    }

    /** The socket is being handed over to the next one: completes once no step is in flight any more. */
    CompletionStage<Void> stopWriting() {
        synchronized (this) {
            draining = true;
            if (flushing) {
                drained = drained == null ? new CompletableFuture<>() : drained;
                return drained;
            }
        }
        return CompletableFuture.completedFuture(null);
    }

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

    /** The socket to write to: the session's while it is ACTIVE and not handing over, else null. */
    private UpstreamSocket target() {
        synchronized (this) {
            if (draining) {
                return null;
            }
        }
        return active.get();
    }

    /** Writes the batch, or as much of it as {@code send-rate} allows now (the rest stays queued, in order). */
    private void write(List<OutboundMessage> batch) {
        ctx.sendRate().whenAllowed(batch.size(), false, frames -> send(batch.subList(0, frames)));
    }

    /** Begins writing {@code batch} (what the rate allowed); answers how many frames it began to write. */
    private int send(List<OutboundMessage> batch) {
        UpstreamSocket target = target();
        if (target == null) {
            stopFlushing();
            return 0;
        }
        if (batch.size() == 1 || !target.onItsLoop()) {
            // one frame, or a thread whose writes the socket's loop queues and flushes together
            issue(target, batch);
        } else {
            // several frames on the socket's own loop: written from the sender so that they leave in one flush
            ctx.env().sender().execute(() -> issue(target, batch));
        }
        return batch.size();
    }

    private void issue(UpstreamSocket target, List<OutboundMessage> batch) {
        if (!ctx.env().ownership().mayAct(ctx.id())) {
            // a cluster instance that lost its lease (paused, partitioned) writes nothing more: checked right
            // before the socket write, on the thread that makes it
            ctx.sendRate().settle(batch.size());
            stopFlushing();
            lost.accept(new Session.Ending("this instance no longer owns the connection", null, null));
            return;
        }
        target.write(batch).whenComplete((written, failure) -> {
            ctx.sendRate().settle(batch.size());
            int count = failure == null ? written.count() : 0;
            if (count > 0) {
                ctx.outbox().markSent(ctx.id(), batch.subList(0, count), ctx.env().clock().instant());
                ctx.counters().sent.addAndGet(count);
                delivered.run();
            }
            if (count < batch.size()) {
                stopFlushing();
                Throwable cause = failure != null ? failure : written.failure();
                lost.accept(new Session.Ending("write failed: " + FailureClassifier.describe(cause), null, null));
                return;
            }
            if (target() == null) {
                stopFlushing();
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

    /** The loop stops; a hand-over waiting for it ({@link #stopWriting}) goes on. */
    private void stopFlushing() {
        CompletableFuture<Void> waiting;
        synchronized (this) {
            flushing = false;
            waiting = drained;
        }
        if (waiting != null) {
            waiting.complete(null);
        }
    }
}
