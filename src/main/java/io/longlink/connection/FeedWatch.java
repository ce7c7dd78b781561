package io.longlink.connection;

import java.time.Duration;

import io.longlink.config.LonglinkConfig;
import io.longlink.session.FeedPlan;
import io.quarkus.logging.Log;

/**
 * One socket's feed checks ({@link FeedPlan}): the stale-feed watchdog, the rotation deadline, the "reconnect now"
 * notice and the sequence run of this socket ({@link FeedSequence.Run}). Owned by its {@link Session}; tells the
 * session's supervisor through {@link Listener}.
 *
 * <ul>
 * <li>The watchdog keeps the time of the last data message (pongs are not data: the session does not pass them
 * here) and one timer per socket, armed for the time left: it re-arms when it fires early, never per frame.</li>
 * <li>A gap in the sequence is counted ({@code gaps}), published ({@code event: gap}, the observers) and, with
 * {@code on-gap=resync}, makes the socket due to be replaced; the message is logged all the same.</li>
 * <li>{@link #start} arms the watchdog and the rotation deadline when the socket starts carrying the outbox;
 * {@link #stop} disarms both, once the socket ended.</li>
 * </ul>
 *
 * <p>The timer fields are guarded by {@code this}; the last data time is a volatile written by the socket's reads.
 */
final class FeedWatch {

    interface Listener {
        /** No data message for {@code idle-timeout}, or a gap with {@code on-gap=resync}: {@code reason} for
         * {@code lastError}. */
        void replaceDue(String reason);

        /** The socket is due to be replaced make-before-break. */
        void rotationDue(String reason);
    }

    private final SessionContext ctx;
    private final FeedPlan plan;
    /** The connection's sequences; null without {@code inbound.sequence.pointer}. */
    private final FeedSequence sequences;
    private final FeedSequence.Run run;
    private final Timers timers;
    private final ConnectionCounters counters;
    private final Listener listener;
    /** {@link Timers#nanoTime} of the last data message, or of {@link #start}. */
    private volatile long lastDataNanos;
    private long idleTimer = -1;
    private long rotateTimer = -1;
    /** {@link #stop} was called: no timer is armed any more. */
    private boolean stopped;

    /** {@code replacing}: the socket replaces another make-before-break ({@link FeedSequence}). */
    FeedWatch(SessionContext ctx, boolean replacing, Listener listener) {
        this.ctx = ctx;
        this.plan = ctx.feed();
        this.run = new FeedSequence.Run(replacing);
        this.sequences = ctx.sequences();
        this.timers = ctx.env().timers();
        this.counters = ctx.counters();
        this.listener = listener;
    }

    /** The socket carries the feed now: arms the watchdog and the rotation deadline. */
    void start() {
        lastDataNanos = timers.nanoTime();
        synchronized (this) {
            if (stopped) {
                return;
            }
            if (plan.idleTimeout() != null) {
                idleTimer = timers.schedule(plan.idleTimeout(), this::checkIdle);
            }
            if (plan.rotateAfter() != null) {
                rotateTimer = timers.schedule(plan.rotateAfter(),
                        () -> listener.rotationDue("open for " + text(plan.rotateAfter()) + " (rotate-after)"));
            }
        }
    }

    synchronized void stop() {
        stopped = true;
        timers.cancel(idleTimer);
        timers.cancel(rotateTimer);
    }

    /** A text data message arrived; false when it is a duplicate to drop (counted), else it is to be logged. */
    boolean text(String text) {
        lastDataNanos = timers.nanoTime();
        if (sequences != null) {
            FeedSequence.Verdict verdict = sequences.check(run, text);
            if (verdict == FeedSequence.DUPLICATE) {
                counters.duplicatesDropped.incrementAndGet();
                return false;
            }
            if (verdict instanceof FeedSequence.Gap gap) {
                gapFound(gap);
            }
        }
        if (plan.rotateOn() != null && plan.rotateOn().matches(text)) {
            listener.rotationDue("the upstream asked for it (rotate-on " + plan.rotateOn() + ")");
        }
        return true;
    }

    /** A binary data message arrived. */
    void binary() {
        lastDataNanos = timers.nanoTime();
    }

    private void checkIdle() {
        long limit = plan.idleTimeout().toNanos();
        synchronized (this) {
            if (stopped) {
                return;
            }
            long quiet = timers.nanoTime() - lastDataNanos;
            if (quiet < limit) {
                idleTimer = timers.schedule(Duration.ofNanos(limit - quiet), this::checkIdle);
                return;
            }
            idleTimer = -1;
        }
        listener.replaceDue("no inbound message for " + text(plan.idleTimeout()));
    }

    private void gapFound(FeedSequence.Gap gap) {
        counters.gaps.incrementAndGet();
        ctx.env().events().appendGap(ctx.env().clock().instant(), ctx.id(), gap.scope(), gap.expected(), gap.got());
        ctx.env().observer().inboundGap(ctx.id());
        String where = gap.scope() == null ? "" : " of " + gap.scope();
        Log.infof("[%s] gap in the upstream's sequence%s: expected %d, got %d", ctx.id(), where, gap.expected(),
                gap.got());
        if (plan.onGap() == LonglinkConfig.OnGap.RESYNC) {
            listener.replaceDue("gap in the sequence" + where + ": expected " + gap.expected() + ", got " + gap.got());
        }
    }

    /** A duration as configured: whole seconds as {@code 60s}, else milliseconds. */
    private static String text(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
