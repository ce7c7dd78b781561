package io.longlink.connection;

/**
 * Whether this instance may hold a connection's socket. A single instance owns every connection; in a cluster
 * ({@code io.longlink.cluster.Cluster}) an instance owns a connection while it holds its lease, and a
 * {@link ManagedConnection} neither starts a cycle nor writes a frame without it.
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
}
