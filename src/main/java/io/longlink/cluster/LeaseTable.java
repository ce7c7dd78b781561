package io.longlink.cluster;

import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.longlink.connection.DesiredState;

/**
 * The SQL of one instance's part in a cluster: tables {@code instance} (who is alive, and where) and {@code lease}
 * (who owns which connection, with its epoch, expiry, desired state and published status). Every statement that
 * changes a lease this instance holds names the owner and the epoch, so a lease taken by another since changes
 * nothing. {@link Cluster} decides when; this class only says how.
 */
final class LeaseTable {

    static final String[] SCHEMA = { """
            CREATE TABLE IF NOT EXISTS instance (
                id TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                seen_at TIMESTAMPTZ NOT NULL)""", """
            CREATE TABLE IF NOT EXISTS lease (
                connection TEXT PRIMARY KEY,
                owner TEXT,
                epoch BIGINT NOT NULL DEFAULT 0,
                expires_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
                desired TEXT,
                status TEXT)""" };

    /** A held lease to renew: its epoch, and the status to publish with it (null: keep the last one). */
    record Renewal(String connectionId, long epoch, String status) {
    }

    /** A lease just taken: its new epoch and the desired state stored with it (null: as configured). */
    record Taken(long epoch, DesiredState desired) {
    }

    private final String instanceId;
    private final long ttlMillis;

    LeaseTable(String instanceId, Duration ttl) {
        this.instanceId = instanceId;
        this.ttlMillis = ttl.toMillis();
    }

    /** Marks this instance alive at {@code url}. */
    void heartbeat(Connection db, URI url) throws SQLException {
        try (PreparedStatement upsert = db.prepareStatement("""
                INSERT INTO instance (id, url, seen_at) VALUES (?, ?, now())
                ON CONFLICT (id) DO UPDATE SET url = excluded.url, seen_at = excluded.seen_at""")) {
            upsert.setString(1, instanceId);
            upsert.setString(2, url.toString());
            upsert.executeUpdate();
        }
    }

    /** Creates the (free) lease rows of these connections where missing. */
    void insertRows(Connection db, Collection<String> connectionIds) throws SQLException {
        try (PreparedStatement insert = db.prepareStatement(
                "INSERT INTO lease (connection) VALUES (?) ON CONFLICT (connection) DO NOTHING")) {
            for (String id : connectionIds) {
                insert.setString(1, id);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** Extends each lease by the TTL if this instance still holds it at that epoch; per lease, whether it did. */
    boolean[] renew(Connection db, List<Renewal> renewals) throws SQLException {
        try (PreparedStatement update = db.prepareStatement("""
                UPDATE lease SET expires_at = now() + ? * interval '1 millisecond', status = coalesce(?, status)
                WHERE connection = ? AND owner = ? AND epoch = ? AND expires_at > now()""")) {
            for (Renewal renewal : renewals) {
                update.setLong(1, ttlMillis);
                update.setString(2, renewal.status());
                update.setString(3, renewal.connectionId());
                update.setString(4, instanceId);
                update.setLong(5, renewal.epoch());
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            boolean[] renewed = new boolean[counts.length];
            for (int i = 0; i < counts.length; i++) {
                renewed[i] = counts[i] > 0;
            }
            return renewed;
        }
    }

    /** Every lease, with its owner's URL. */
    Map<String, Cluster.Lease> read(Connection db) throws SQLException {
        Map<String, Cluster.Lease> leases = new HashMap<>();
        try (Statement s = db.createStatement();
                ResultSet rows = s.executeQuery("""
                        SELECT l.connection, l.owner, l.epoch, l.owner IS NOT NULL AND l.expires_at > now(), i.url, l.status
                        FROM lease l LEFT JOIN instance i ON i.id = l.owner""")) {
            while (rows.next()) {
                String url = rows.getString(5);
                leases.put(rows.getString(1), new Cluster.Lease(rows.getString(1), rows.getString(2), rows.getLong(3),
                        rows.getBoolean(4), url == null ? null : URI.create(url), rows.getString(6)));
            }
        }
        return leases;
    }

    /** The instances seen within the TTL (at least 1). */
    int liveInstances(Connection db) throws SQLException {
        try (PreparedStatement count = db.prepareStatement(
                "SELECT count(*) FROM instance WHERE seen_at > now() - ? * interval '1 millisecond'")) {
            count.setLong(1, ttlMillis);
            try (ResultSet row = count.executeQuery()) {
                row.next();
                return Math.max(1, row.getInt(1));
            }
        }
    }

    /** Takes the lease if it is free or expired (its epoch grows), or returns null. */
    Taken take(Connection db, String connectionId) throws SQLException {
        try (PreparedStatement take = db.prepareStatement("""
                UPDATE lease SET owner = ?, epoch = epoch + 1, expires_at = now() + ? * interval '1 millisecond'
                WHERE connection = ? AND (owner IS NULL OR expires_at <= now())
                RETURNING epoch, desired""")) {
            take.setString(1, instanceId);
            take.setLong(2, ttlMillis);
            take.setString(3, connectionId);
            try (ResultSet row = take.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                String desired = row.getString(2);
                return new Taken(row.getLong(1), desired == null ? null : DesiredState.valueOf(desired));
            }
        }
    }

    /** Frees a held lease at once, for the others' next tick. */
    void free(Connection db, String connectionId, long epoch) throws SQLException {
        try (PreparedStatement free = db.prepareStatement("""
                UPDATE lease SET owner = NULL, expires_at = now() WHERE connection = ? AND owner = ? AND epoch = ?""")) {
            free.setString(1, connectionId);
            free.setString(2, instanceId);
            free.setLong(3, epoch);
            free.executeUpdate();
        }
    }

    /** Stores what the operator wants of a held connection, for its next owner. */
    void setDesired(Connection db, String connectionId, long epoch, DesiredState desired) throws SQLException {
        try (PreparedStatement update = db.prepareStatement(
                "UPDATE lease SET desired = ? WHERE connection = ? AND owner = ? AND epoch = ?")) {
            update.setString(1, desired.name());
            update.setString(2, connectionId);
            update.setString(3, instanceId);
            update.setLong(4, epoch);
            update.executeUpdate();
        }
    }

    /** Drops a removed connection's row when it is free or held here at {@code epoch} (-1: not held). */
    void drop(Connection db, String connectionId, long epoch) throws SQLException {
        try (PreparedStatement drop = db.prepareStatement(
                "DELETE FROM lease WHERE connection = ? AND (owner IS NULL OR owner = ? AND epoch = ?)")) {
            drop.setString(1, connectionId);
            drop.setString(2, instanceId);
            drop.setLong(3, epoch);
            drop.executeUpdate();
        }
    }

    /**
     * The epochs of the leases among {@code connectionIds} this instance holds unexpired, read in the writer's
     * transaction and locked for share until it ends.
     */
    Map<String, Long> heldEpochs(Connection writer, Set<String> connectionIds) throws SQLException {
        Map<String, Long> epochs = new HashMap<>();
        Array ids = writer.createArrayOf("text", connectionIds.toArray());
        try (PreparedStatement select = writer.prepareStatement("""
                SELECT connection, epoch FROM lease
                WHERE connection = ANY (?) AND owner = ? AND expires_at > now() FOR SHARE""")) {
            select.setArray(1, ids);
            select.setString(2, instanceId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    epochs.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        return epochs;
    }

    /** This instance leaves the cluster (shutdown, after its leases were handed over). */
    void leave(Connection db) throws SQLException {
        try (PreparedStatement leave = db.prepareStatement("DELETE FROM instance WHERE id = ?")) {
            leave.setString(1, instanceId);
            leave.executeUpdate();
        }
    }
}
