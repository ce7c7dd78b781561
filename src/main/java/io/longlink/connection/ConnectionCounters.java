package io.longlink.connection;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** The numbers of one connection since start, shared by its supervisor and its sessions; lock-free. */
final class ConnectionCounters {

    /** Messages written to a socket. */
    final AtomicLong sent = new AtomicLong();
    /** Frames received from the upstream. */
    final AtomicLong received = new AtomicLong();
    /** Failed connection attempts; an attempt that found the network gone is not counted. */
    final AtomicLong failedAttempts = new AtomicLong();
    /** Times the connection went OFFLINE. */
    final AtomicLong offlinePeriods = new AtomicLong();
    /** Gaps found in the upstream's sequences ({@code inbound.sequence.pointer}). */
    final AtomicLong gaps = new AtomicLong();
    /** Messages dropped as duplicates while two sockets were open. */
    final AtomicLong duplicatesDropped = new AtomicLong();
    /** The last answered heartbeat: when and how long it took; null before the first. */
    private volatile Pong lastPong;

    record Pong(Instant at, long rttMillis) {
    }

    void pong(Instant at, long roundTripNanos) {
        lastPong = new Pong(at, roundTripNanos / 1_000_000);
    }

    Pong lastPong() {
        return lastPong;
    }
}
