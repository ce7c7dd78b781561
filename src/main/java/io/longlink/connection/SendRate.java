package io.longlink.connection;

import java.time.Duration;

import io.longlink.config.LonglinkConfig;

/**
 * A connection's {@code send-rate.limit} frames per {@code send-rate.per}, kept across its sockets: the limiter
 * belongs to the connection, so the on-open steps of a new socket count in the same window as the frames the last
 * socket wrote just before it died. Every frame longlink writes asks here first (outbox messages, requests, on-open
 * steps and text heartbeats; protocol pings do not count); what does not fit waits its turn ({@link RateWindow}), in
 * order.
 *
 * <p>Without a limit ({@code none}, the default) nothing waits: one volatile read per write. New settings keep the
 * history of the last window.
 */
final class SendRate {

    /** The window, or null when unlimited. */
    private volatile RateWindow window;
    /** Waits of the windows replaced by new settings. */
    private volatile long earlierWaits;
    private final Timers timers;

    SendRate(Timers timers) {
        this.timers = timers;
    }

    /** {@code send-rate.limit} as a number, or -1 for {@code none}; {@link IllegalArgumentException} otherwise. */
    static int limitOf(String value) {
        String v = value.trim();
        if (v.equalsIgnoreCase("none")) {
            return -1;
        }
        try {
            int limit = Integer.parseInt(v);
            if (limit >= 1) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("must be a whole number of frames, at least 1, or none");
    }

    /** Takes the connection's (new) settings; the uses of the current window still count. */
    synchronized void apply(LonglinkConfig.SendRate config) {
        int limit = limitOf(config.limit());
        RateWindow old = window;
        Duration per = config.per().plus(config.margin());
        if (limit < 0) {
            window = null;
        } else if (old == null || old.limit() != limit || !old.per().equals(per)) {
            RateWindow fresh = new RateWindow(limit, per, timers);
            if (old != null) {
                fresh.inherit(old);
            }
            window = fresh;
        }
        if (old != null && old != window) {
            earlierWaits += old.waits();
        }
    }

    /**
     * The one door every frame a session writes goes through. Unlimited, {@code writing} runs at once with all
     * {@code frames}. Limited, it runs with as many as the window has free, at once or at its turn from a timer
     * (first come, first served, {@code urgent} ones ahead), and answers how many it began to write: 0 when its socket
     * is over meanwhile, so the places go to the next in line. Those it wrote are {@link #settle settled} once written.
     */
    void whenAllowed(int frames, boolean urgent, RateWindow.Waiter writing) {
        RateWindow w = window;
        int now = w == null ? frames : w.take(frames, urgent, writing);
        if (now > 0) {
            int used = writing.granted(now);
            if (w != null && used < now) {
                w.release(now - Math.max(0, used));
            }
        }
    }

    /** {@code frames} written (or failed) after {@link #whenAllowed}: they count from now, for one window. */
    void settle(int frames) {
        RateWindow w = window;
        if (w != null) {
            w.settle(frames);
        }
    }

    /** Times a frame had to wait for the rate, since start. */
    long waits() {
        RateWindow w = window;
        return earlierWaits + (w == null ? 0 : w.waits());
    }
}
