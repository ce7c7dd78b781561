package io.longlink.connection;

/**
 * Hears measurements a connection takes, for whoever keeps statistics (the metrics), so that this package
 * does not depend on a metrics library. Called outside any lock of the connection, on an event-loop thread:
 * an implementation must be quick and must not block.
 */
public interface ConnectionObserver {

    /** A heartbeat ping of connection {@code connectionId} was answered by a pong after {@code roundTripNanos}. */
    void heartbeatAnswered(String connectionId, long roundTripNanos);

    /**
     * A request of connection {@code connectionId} ended with {@code outcome}; {@code roundTripNanos} is the time from
     * its write to its reply when it {@link RequestOutcome#REPLIED}, else -1.
     */
    default void requestEnded(String connectionId, RequestOutcome outcome, long roundTripNanos) {
    }

    /** A connection was created at run time. */
    default void connectionAdded(ManagedConnection connection) {
    }

    /** A connection was removed at run time. */
    default void connectionRemoved(String connectionId) {
    }
}
