package io.longlink.connection;

/** Where a managed connection is. See {@link ManagedConnection} for the transitions. */
public enum ConnectionState {
    /** Closed by the operator, or never opened. */
    CLOSED,
    /** A connection attempt is under way. */
    CONNECTING,
    /** A socket is open: the outbox is flushed and the heartbeat runs. */
    OPEN,
    /** Waiting out a backoff delay before the next attempt. */
    RECONNECTING,
    /** The network is unreachable; only a cheap reachability probe runs. */
    OFFLINE,
    /** Every attempt of the cycle failed; waiting for an open request or a new message. */
    FAILED,
    /** An operator's close is waiting for the upstream's close frame. */
    CLOSING
}
