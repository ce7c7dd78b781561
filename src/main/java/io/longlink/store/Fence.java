package io.longlink.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

/**
 * Which connections' rows this instance may write (cluster mode): those whose lease it holds, at the epoch it holds
 * it. The writer asks inside each transaction, before any job writes, and the answer holds until the commit (the
 * lease rows are locked for share), so an instance that lost a lease (paused, partitioned) writes nothing of it.
 */
public interface Fence {

    /** Of {@code connectionIds}, those this instance owns now; runs in the open transaction. */
    Set<String> held(Connection jdbc, Set<String> connectionIds) throws SQLException;

    /** The connections whose lease this instance believes it holds (their stores' upkeep is fenced too). */
    Set<String> claimed();

    /** Jobs of {@code connectionId} were refused because this instance does not own it (any more). */
    void refused(String connectionId);
}
