package io.longlink.connection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.longlink.config.LonglinkConfig;
import io.longlink.security.ConnectionScope;

/**
 * The instance's handshake budgets ({@code longlink.upstreams.connect-rates[i]}): at most {@code limit} handshakes per
 * {@code per} to the hosts an entry's globs match, counted over every connection of this instance, so that a
 * reconnect storm (an upstream restart, the network back, thousands of connections opened at start) reaches the
 * upstream at the pace it allows instead of getting the instance's address banned. A host takes the first entry that
 * matches it; a host no entry matches is not limited.
 *
 * <p>Slots are handed out first come, first served ({@link RateWindow}): a connection that asked earlier gets its
 * handshake earlier, so none starves however many wait. Waiting for a slot is not a failed attempt; the connection
 * shows when its turn is expected ({@code nextAttemptAt}). The budgets are shared by the connections' threads;
 * thread-safe.
 */
final class ConnectRates {

    /** One entry: its index, what it matches and its window. */
    static final class Gate {
        private final int index;
        private final ConnectionScope hosts;
        private final RateWindow window;
        /** The configured window, without the margin. */
        private final Duration per;

        private Gate(int index, ConnectionScope hosts, RateWindow window, Duration per) {
            this.index = index;
            this.hosts = hosts;
            this.window = window;
            this.per = per;
        }

        /**
         * A handshake slot now (true), or false: then {@code later} is called when its turn came. A slot taken is
         * {@link #settle settled} when its handshake completed (or failed), or {@link #release released} unused.
         */
        boolean take(RateWindow.Waiter later) {
            return window.take(1, false, later) > 0;
        }

        /** The handshake of a slot is over: the slot counts from now, for one window. */
        void settle() {
            window.settle(1);
        }

        /** A slot taken was not used. */
        void release() {
            window.release(1);
        }

        /** Milliseconds until the last waiter's turn, as expected now. */
        long waitMillis() {
            return (window.waitNanos() + 999_999) / 1_000_000;
        }

        @Override
        public String toString() {
            return "connect-rates[" + index + "]: " + window.limit() + " handshakes per "
                    + DurationText.of(per);
        }
    }

    private static final ConnectRates NONE = new ConnectRates(List.of());

    private final List<Gate> gates;

    private ConnectRates(List<Gate> gates) {
        this.gates = List.copyOf(gates);
    }

    /** No budget: every handshake goes at once. */
    static ConnectRates none() {
        return NONE;
    }

    /** The configured budgets; {@link IllegalArgumentException} naming the key when one cannot be used. */
    static ConnectRates of(List<LonglinkConfig.ConnectRate> config, Timers timers) {
        List<Gate> gates = new ArrayList<>();
        for (int i = 0; i < config.size(); i++) {
            LonglinkConfig.ConnectRate entry = config.get(i);
            String key = "longlink.upstreams.connect-rates[" + i + "]";
            ConnectionScope hosts = ConnectionScope.of(entry.hosts().stream().map(h -> h.toLowerCase(Locale.ROOT))
                    .toList());
            if (hosts.globs().isEmpty()) {
                throw new IllegalArgumentException(key + ".hosts: at least one host glob is required");
            }
            if (entry.limit() < 1) {
                throw new IllegalArgumentException(key + ".limit: must be at least 1");
            }
            if (entry.per().isNegative() || entry.per().isZero()) {
                throw new IllegalArgumentException(key + ".per: must be longer than 0");
            }
            if (entry.margin().isNegative()) {
                throw new IllegalArgumentException(key + ".margin: must not be negative");
            }
            gates.add(new Gate(i, hosts, new RateWindow(entry.limit(), entry.per().plus(entry.margin()), timers),
                    entry.per()));
        }
        return new ConnectRates(gates);
    }

    /** The budget handshakes to {@code host} draw from, or null when none applies. */
    Gate gateFor(String host) {
        if (host == null || gates.isEmpty()) {
            return null;
        }
        String bare = (host.startsWith("[") ? host.substring(1, host.length() - 1) : host).toLowerCase(Locale.ROOT);
        for (Gate gate : gates) {
            if (gate.hosts.allows(bare)) {
                return gate;
            }
        }
        return null;
    }
}
