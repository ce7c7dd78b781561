package io.longlink.connection;

/**
 * Whether this instance may hold a connection's socket. A single instance owns every connection; in a cluster
 * ({@code io.longlink.cluster.Cluster}) an instance owns a connection while it holds its lease, and a
 * {@link ManagedConnection} neither starts a cycle nor writes a frame without it. The cluster package implements
 * and produces it (a CDI bean), so this package reads and tests without the cluster.
 */
public interface Ownership {

    /** Every connection is this instance's (a single instance). */
    Ownership SINGLE = new Ownership() {
        @Override
        public boolean mayAct(String connectionId) {
            return true;
        }
    };

    /** Whether this instance may connect {@code connectionId} and write on its socket now. */
    boolean mayAct(String connectionId);

    /** The owning instance's id, shown in status; null for a single instance. */
    default String owner(String connectionId) {
        return null;
    }

    /** The owner's lease epoch, shown in status; null for a single instance. */
    default Long epoch(String connectionId) {
        return null;
    }

    /** The operator changed what the connection should be; a cluster keeps it for the next owner. */
    default void desiredChanged(String connectionId, DesiredState desired) {
    }

    /**
     * Whether the connections are shared with other instances (a cluster): each opens where its lease is taken, not
     * at start, and runtime specs may change on another instance.
     */
    default boolean shared() {
        return false;
    }

    /** The connection was removed and its socket closed: what this instance held for it goes (a cluster's lease). */
    default void forget(String connectionId) {
    }
}
