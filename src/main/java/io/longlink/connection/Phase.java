package io.longlink.connection;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Where a {@link ManagedConnection} is, as one value holding what only that phase has. A reconnect cycle is
 * numbered ({@code cycle}); a phase of an older cycle, socket or probe is never mistaken for the current one
 * because the supervisor compares the value it expects with the one it holds.
 */
sealed interface Phase {

    ConnectionState state();

    /** Closed by the operator, or never opened. */
    record Closed() implements Phase {
        public ConnectionState state() {
            return ConnectionState.CLOSED;
        }
    }

    /**
     * Attempt {@code session} of reconnect cycle {@code cycle} is under way (handshake, then on-open steps), or, at a
     * first open, waits for a handshake slot until about {@code slotAt} (else null).
     */
    record Connecting(long cycle, Session session, Instant slotAt) implements Phase {
        Connecting(long cycle, Session session) {
            this(cycle, session, null);
        }

        public ConnectionState state() {
            return ConnectionState.CONNECTING;
        }
    }

    /** Cycle {@code cycle} waits {@code delayMillis} (until {@code at}) before its next attempt. */
    record Reconnecting(long cycle, Instant at, long delayMillis) implements Phase {
        public ConnectionState state() {
            return ConnectionState.RECONNECTING;
        }
    }

    /** {@code session} is open since {@code openedNanos} (its timers' clock): the outbox is flushed, the heartbeat runs. */
    record Open(Session session, long openedNanos) implements Phase {
        public ConnectionState state() {
            return ConnectionState.OPEN;
        }
    }

    /** The network is gone; only {@code probe} runs. */
    record Offline(ReachabilityProbe probe) implements Phase {
        public ConnectionState state() {
            return ConnectionState.OFFLINE;
        }
    }

    /** Every attempt of the last cycle failed; waiting for an open request or a new message. */
    record Failed() implements Phase {
        public ConnectionState state() {
            return ConnectionState.FAILED;
        }
    }

    /** A close waits for the upstream's close frame; {@code done} completes when it ended. */
    record Closing(CompletableFuture<Void> done) implements Phase {
        public ConnectionState state() {
            return ConnectionState.CLOSING;
        }
    }
}
