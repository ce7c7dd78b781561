package io.longlink.connection;

/**
 * Hears measurements a connection takes and connections coming and going, for whoever keeps statistics (the
 * metrics), so that this package depends neither on them nor on a metrics library: the upper layer implements it as
 * a CDI bean and the {@link ConnectionRegistry} tells every such bean ({@link #all}). Called outside any lock of the
 * connection, on an event-loop thread: an implementation must be quick and must not block.
 */
public interface ConnectionObserver {

    /** One observer that tells each of {@code observers}, in order; none is fine. */
    static ConnectionObserver all(java.util.List<ConnectionObserver> observers) {
        if (observers.size() == 1) {
            return observers.get(0);
        }
        java.util.List<ConnectionObserver> each = java.util.List.copyOf(observers);
        return new ConnectionObserver() {
            @Override
            public void heartbeatAnswered(String connectionId, long roundTripNanos) {
                each.forEach(o -> o.heartbeatAnswered(connectionId, roundTripNanos));
            }

            @Override
            public void socketEnded(String connectionId, long livedNanos) {
                each.forEach(o -> o.socketEnded(connectionId, livedNanos));
            }

            @Override
            public void requestEnded(String connectionId, RequestOutcome outcome, long roundTripNanos) {
                each.forEach(o -> o.requestEnded(connectionId, outcome, roundTripNanos));
            }

            @Override
            public void connectionAdded(ManagedConnection connection) {
                each.forEach(o -> o.connectionAdded(connection));
            }

            @Override
            public void connectionRemoved(String connectionId) {
                each.forEach(o -> o.connectionRemoved(connectionId));
            }

            @Override
            public void inboundGap(String connectionId) {
                each.forEach(o -> o.inboundGap(connectionId));
            }
        };
    }

    /** A heartbeat ping of connection {@code connectionId} was answered by a pong after {@code roundTripNanos}. */
    void heartbeatAnswered(String connectionId, long roundTripNanos);

    /** A socket of connection {@code connectionId} that had reached OPEN ended (lost or closed) after {@code livedNanos}. */
    default void socketEnded(String connectionId, long livedNanos) {
    }

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

    /** Connection {@code connectionId} found a gap in its upstream's sequence ({@code inbound.sequence.pointer}). */
    default void inboundGap(String connectionId) {
    }
}
