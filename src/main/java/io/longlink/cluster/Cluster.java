package io.longlink.cluster;

import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.longlink.connection.DesiredState;
import io.longlink.connection.Ownership;
import io.longlink.store.Dialect;
import io.longlink.store.Fence;
import io.quarkus.logging.Log;

/**
 * One instance's part in a cluster: the leases it holds on connections, in table {@code lease} of the shared
 * PostgreSQL database, and what it knows of the others' (table {@code instance}).
 *
 * <p>Every {@code renew-interval} one thread ("longlink-leases", with its own database connection) marks this
 * instance alive and renews its leases (publishing each connection's status with them); at least every second it
 * reads who owns what and balances: it takes free or expired leases while it holds fewer than its fair share (the connections divided by
 * the live instances, rounded up) and hands one over while it holds more. Taking a lease raises its {@code epoch}.
 *
 * <p>Fencing: a lease is valid locally until {@code lease-ttl} after the start of the renewal that extended it,
 * measured on the monotonic clock, which is never later than the database's own expiry; a watchdog drops it the
 * moment that passes (a paused process notices as soon as it runs again), and {@link #mayAct} is false from then
 * on, so the socket closes and no frame is written. Every store transaction asks {@link #held}, which locks the
 * lease rows for share and checks owner, epoch and expiry in the database, so writes of a lost lease never land.
 *
 * <p>Threads: the lease thread owns the database connection; {@code held} and {@code view} are concurrent.
 */
public final class Cluster implements Ownership, Fence {

    /** What the connections' side does when ownership changes; implemented by the connection registry. */
    public interface Members {
        /** Every connection id this instance knows (configured and created at run time). */
        Set<String> ids();

        /**
         * This instance now holds the lease: load the connection's stores, then act on {@code desired} (null: as
         * configured). Call {@code ready} once it may be driven.
         */
        void acquired(String connectionId, DesiredState desired, Runnable ready);

        /** The lease is gone (or being handed over): close the socket now and forget the stores' state. */
        java.util.concurrent.CompletionStage<Void> lost(String connectionId, String reason);

        /** The connection's status as JSON, published with each renewal for the other instances' lists. */
        String statusJson(String connectionId);

        /** Brings the connections created, replaced or removed on other instances here; blocks (database). */
        void sync();
    }

    /** Who owns a connection, as last read from the database. */
    public record Lease(String connectionId, String owner, long epoch, boolean live, URI ownerUrl, String status) {
    }

    /** A lease this instance holds: its epoch and until when (monotonic nanos) it may act on it. */
    private static final class Held {
        final long epoch;
        volatile long validUntil;
        volatile boolean ready;

        Held(long epoch, long validUntil) {
            this.epoch = epoch;
            this.validUntil = validUntil;
        }
    }

    private static final String[] SCHEMA = { """
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

    private final String instanceId;
    private final URI advertiseUrl;
    private final Duration ttl;
    private final Duration renewInterval;
    private final DataSource dataSource;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private volatile Map<String, Lease> view = Map.of();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "longlink-leases");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "longlink-lease-watchdog");
        t.setDaemon(true);
        return t;
    });
    private volatile Members members;
    private volatile boolean stopping;
    /** The lease thread's connection; null until opened, and after a failure. */
    private Connection jdbc;
    /** Ids whose lease row exists; lease thread only. */
    private final Set<String> rows = new HashSet<>();
    private boolean unreachableLogged;
    /** Why the last tick could not reach the database, or null when it could: writes fail for this reason now. */
    private volatile String databaseTrouble;
    private boolean firstTick = true;
    /** When the last renewal started (monotonic nanos); lease thread only. */
    private long lastRenewal;

    public Cluster(String instanceId, URI advertiseUrl, Duration ttl, Duration renewInterval, DataSource dataSource) {
        this.instanceId = instanceId;
        this.advertiseUrl = advertiseUrl;
        this.ttl = ttl;
        this.renewInterval = renewInterval;
        this.dataSource = dataSource;
    }

    public String instanceId() {
        return instanceId;
    }

    /**
     * Why the database cannot be reached, as the lease thread last found it, or null when its last tick reached it:
     * while it cannot, no lease is renewed or taken, so a connection with no owner is a database outage, not a
     * takeover.
     */
    public String databaseTrouble() {
        return databaseTrouble;
    }

    public URI advertiseUrl() {
        return advertiseUrl;
    }

    /** Creates the tables and starts renewing and balancing; leases are taken from the first tick on. */
    public void start(Members members) {
        this.members = members;
        // leases are renewed every renew-interval, but who owns what is read (and expired leases taken) at least
        // every second, so a dead owner is replaced within lease-ttl plus about a second, not plus renew-interval
        long period = Math.min(renewInterval.toMillis(), 1000);
        thread.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
        long check = Math.max(50, Math.min(250, ttl.toMillis() / 10));
        watchdog.scheduleWithFixedDelay(this::expireOverdue, check, check, TimeUnit.MILLISECONDS);
        Log.infof("cluster member %s (%s): lease-ttl %s, renew-interval %s", instanceId, advertiseUrl, ttl,
                renewInterval);
    }

    // --- Ownership ---

    @Override
    public boolean mayAct(String connectionId) {
        Held h = held.get(connectionId);
        return h != null && h.ready && System.nanoTime() - h.validUntil < 0;
    }

    @Override
    public String owner(String connectionId) {
        if (held.containsKey(connectionId)) {
            return instanceId;
        }
        Lease lease = view.get(connectionId);
        return lease == null || !lease.live() ? null : lease.owner();
    }

    @Override
    public Long epoch(String connectionId) {
        Held h = held.get(connectionId);
        if (h != null) {
            return h.epoch;
        }
        Lease lease = view.get(connectionId);
        return lease == null ? null : lease.epoch();
    }

    @Override
    public void desiredChanged(String connectionId, DesiredState desired) {
        Held h = held.get(connectionId);
        if (h == null) {
            return;
        }
        thread.execute(() -> {
            try {
                try (PreparedStatement update = connection().prepareStatement(
                        "UPDATE lease SET desired = ? WHERE connection = ? AND owner = ? AND epoch = ?")) {
                    update.setString(1, desired.name());
                    update.setString(2, connectionId);
                    update.setString(3, instanceId);
                    update.setLong(4, h.epoch);
                    update.executeUpdate();
                }
            } catch (SQLException e) {
                dropConnection(e);
            }
        });
    }

    /** The connection's state could not be loaded: the lease is given up (it lapses, or another takes it). */
    public void abandon(String connectionId) {
        lose(connectionId, "its state could not be loaded");
    }

    @Override
    public boolean shared() {
        return true;
    }

    /** The connection was removed (runtime DELETE on its owner): its lease is given up and its row dropped. */
    @Override
    public void forget(String connectionId) {
        Held h = held.remove(connectionId);
        thread.execute(() -> {
            try (PreparedStatement drop = connection().prepareStatement(
                    "DELETE FROM lease WHERE connection = ? AND (owner IS NULL OR owner = ? AND epoch = ?)")) {
                drop.setString(1, connectionId);
                drop.setString(2, instanceId);
                drop.setLong(3, h == null ? -1 : h.epoch);
                drop.executeUpdate();
                rows.remove(connectionId);
            } catch (SQLException e) {
                dropConnection(e);
            }
        });
    }

    /** Whether this instance holds the lease (perhaps still loading the connection). */
    public boolean holds(String connectionId) {
        return held.containsKey(connectionId);
    }

    /** The lease as last read, or null. */
    public Lease lease(String connectionId) {
        return view.get(connectionId);
    }

    // --- Fence ---

    @Override
    public Set<String> held(Connection writer, Set<String> connectionIds) throws SQLException {
        if (connectionIds.isEmpty()) {
            return Set.of();
        }
        Set<String> owned = new HashSet<>();
        Array ids = writer.createArrayOf("text", connectionIds.toArray());
        try (PreparedStatement select = writer.prepareStatement("""
                SELECT connection, epoch FROM lease
                WHERE connection = ANY (?) AND owner = ? AND expires_at > now() FOR SHARE""")) {
            select.setArray(1, ids);
            select.setString(2, instanceId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Held h = held.get(rows.getString(1));
                    if (h != null && h.epoch == rows.getLong(2)) {
                        owned.add(rows.getString(1));
                    }
                }
            }
        }
        return owned;
    }

    @Override
    public Set<String> claimed() {
        return Set.copyOf(held.keySet());
    }

    @Override
    public void refused(String connectionId) {
        if (held.containsKey(connectionId)) {
            lose(connectionId, "the database says another instance owns the connection");
        }
    }

    // --- the lease thread ---

    private void tick() {
        long start = System.nanoTime();
        try {
            Connection db = connection();
            if (start - lastRenewal >= renewInterval.toNanos() || firstTick) {
                heartbeat(db);
                renew(db, start);
                lastRenewal = start;
            }
            syncMembers();
            ensureRows(db);
            readView(db);
            // the first tick only announces this instance, so instances started together see each other before
            // any takes leases (and none takes all of them only to hand half back)
            if (!stopping && !firstTick) {
                balance(db, start);
            }
            firstTick = false;
            databaseTrouble = null;
            if (unreachableLogged) {
                Log.infof("cluster: the database is reachable again");
                unreachableLogged = false;
            }
        } catch (SQLException | RuntimeException e) {
            dropConnection(e);
        }
    }

    /** Runtime connections created, replaced or removed elsewhere; a failure here never holds up a renewal. */
    private void syncMembers() {
        try {
            members.sync();
        } catch (RuntimeException e) {
            Log.debugf("cluster: runtime connection specs not synchronized: %s", e.getMessage());
        }
    }

    private void heartbeat(Connection db) throws SQLException {
        try (PreparedStatement upsert = db.prepareStatement("""
                INSERT INTO instance (id, url, seen_at) VALUES (?, ?, now())
                ON CONFLICT (id) DO UPDATE SET url = excluded.url, seen_at = excluded.seen_at""")) {
            upsert.setString(1, instanceId);
            upsert.setString(2, advertiseUrl.toString());
            upsert.executeUpdate();
        }
    }

    private void ensureRows(Connection db) throws SQLException {
        Set<String> missing = new HashSet<>(members.ids());
        missing.removeAll(rows);
        if (missing.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = db.prepareStatement(
                "INSERT INTO lease (connection) VALUES (?) ON CONFLICT (connection) DO NOTHING")) {
            for (String id : missing) {
                insert.setString(1, id);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        rows.addAll(missing);
    }

    private void renew(Connection db, long start) throws SQLException {
        List<String> ids = new ArrayList<>(held.keySet());
        if (ids.isEmpty()) {
            return;
        }
        List<Held> holds = new ArrayList<>();
        try (PreparedStatement update = db.prepareStatement("""
                UPDATE lease SET expires_at = now() + ? * interval '1 millisecond', status = coalesce(?, status)
                WHERE connection = ? AND owner = ? AND epoch = ? AND expires_at > now()""")) {
            for (String id : ids) {
                Held h = held.get(id);
                holds.add(h);
                update.setLong(1, ttl.toMillis());
                update.setString(2, h == null || !h.ready ? null : members.statusJson(id));
                update.setString(3, id);
                update.setString(4, instanceId);
                update.setLong(5, h == null ? -1 : h.epoch);
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            for (int i = 0; i < ids.size(); i++) {
                Held h = holds.get(i);
                if (h == null || held.get(ids.get(i)) != h) {
                    continue;
                }
                if (counts[i] > 0) {
                    h.validUntil = start + ttl.toNanos();
                } else {
                    lose(ids.get(i), "the lease could not be renewed (it expired or another instance took it)");
                }
            }
        }
    }

    private void readView(Connection db) throws SQLException {
        Map<String, Lease> leases = new HashMap<>();
        try (Statement s = db.createStatement();
                ResultSet rows = s.executeQuery("""
                        SELECT l.connection, l.owner, l.epoch, l.owner IS NOT NULL AND l.expires_at > now(), i.url, l.status
                        FROM lease l LEFT JOIN instance i ON i.id = l.owner""")) {
            while (rows.next()) {
                String url = rows.getString(5);
                leases.put(rows.getString(1), new Lease(rows.getString(1), rows.getString(2), rows.getLong(3),
                        rows.getBoolean(4), url == null ? null : URI.create(url), rows.getString(6)));
            }
        }
        view = leases;
    }

    private void balance(Connection db, long start) throws SQLException {
        int live;
        try (PreparedStatement count = db.prepareStatement(
                "SELECT count(*) FROM instance WHERE seen_at > now() - ? * interval '1 millisecond'")) {
            count.setLong(1, ttl.toMillis());
            try (ResultSet row = count.executeQuery()) {
                row.next();
                live = Math.max(1, row.getInt(1));
            }
        }
        Set<String> ids = members.ids();
        int fair = (ids.size() + live - 1) / live;
        if (held.size() > fair) {
            List<String> mine = new ArrayList<>(held.keySet());
            Collections.shuffle(mine);
            for (String id : mine.subList(0, held.size() - fair)) {
                handOver(db, id);
            }
            return;
        }
        List<String> free = new ArrayList<>();
        for (String id : ids) {
            Lease lease = view.get(id);
            if (!held.containsKey(id) && (lease == null || !lease.live())) {
                free.add(id);
            }
        }
        Collections.shuffle(free);
        for (String id : free) {
            if (held.size() >= fair) {
                break;
            }
            acquire(db, id, start);
        }
    }

    private void acquire(Connection db, String id, long start) throws SQLException {
        try (PreparedStatement take = db.prepareStatement("""
                UPDATE lease SET owner = ?, epoch = epoch + 1, expires_at = now() + ? * interval '1 millisecond'
                WHERE connection = ? AND (owner IS NULL OR expires_at <= now())
                RETURNING epoch, desired""")) {
            take.setString(1, instanceId);
            take.setLong(2, ttl.toMillis());
            take.setString(3, id);
            try (ResultSet row = take.executeQuery()) {
                if (!row.next()) {
                    return;
                }
                Held h = new Held(row.getLong(1), start + ttl.toNanos());
                String desired = row.getString(2);
                held.put(id, h);
                Log.infof("[%s] cluster: this instance (%s) owns the connection now, epoch %d", id, instanceId, h.epoch);
                members.acquired(id, desired == null ? null : DesiredState.valueOf(desired), () -> h.ready = true);
            }
        }
    }

    /** Gives a lease up in order: the socket closes and the store commits first, then the lease is freed. */
    private void handOver(Connection db, String id) throws SQLException {
        Held h = held.get(id);
        if (h == null) {
            return;
        }
        Log.infof("[%s] cluster: handing the connection over (balance or shutdown)", id);
        h.ready = false;
        try {
            members.lost(id, "handed over to another instance").toCompletableFuture().get(ttl.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            Log.warnf("[%s] cluster: the hand-over did not finish cleanly: %s", id, e.toString());
        }
        held.remove(id);
        try (PreparedStatement free = db.prepareStatement("""
                UPDATE lease SET owner = NULL, expires_at = now() WHERE connection = ? AND owner = ? AND epoch = ?""")) {
            free.setString(1, id);
            free.setString(2, instanceId);
            free.setLong(3, h.epoch);
            free.executeUpdate();
        }
    }

    /** The watchdog: a lease whose local validity passed (no renewal in time) is given up at once. */
    private void expireOverdue() {
        long now = System.nanoTime();
        held.forEach((id, h) -> {
            if (now - h.validUntil >= 0) {
                lose(id, "the lease was not renewed in time (database unreachable, or this process was paused)");
            }
        });
    }

    private void lose(String id, String reason) {
        if (held.remove(id) == null) {
            return;
        }
        Log.warnf("[%s] cluster: this instance (%s) no longer owns the connection: %s", id, instanceId, reason);
        members.lost(id, "ownership lost: " + reason);
    }

    /**
     * SIGTERM: takes no more leases, hands every held one over (sockets closed, stores committed, leases freed so
     * the others take them at their next tick) and leaves the instance table.
     */
    public synchronized void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        try {
            thread.submit(() -> {
                try {
                    Connection db = connection();
                    for (String id : new ArrayList<>(held.keySet())) {
                        handOver(db, id);
                    }
                    try (PreparedStatement leave = db.prepareStatement("DELETE FROM instance WHERE id = ?")) {
                        leave.setString(1, instanceId);
                        leave.executeUpdate();
                    }
                } catch (SQLException e) {
                    Log.warnf("cluster: leases not handed over on shutdown (they expire in %s): %s", ttl,
                            e.getMessage());
                }
            }).get(ttl.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            Log.warnf("cluster: shutdown hand-over incomplete: %s", e.toString());
        }
        thread.shutdownNow();
        watchdog.shutdownNow();
        if (jdbc != null) {
            try {
                jdbc.close();
            } catch (SQLException e) {
                Log.debugf("cluster: closing the lease connection: %s", e.getMessage());
            }
        }
    }

    private Connection connection() throws SQLException {
        if (jdbc == null) {
            Connection c = dataSource.getConnection();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                // a lease statement waits at most a third of the TTL for a row another session locked
                s.execute("SET lock_timeout = " + Math.max(1, ttl.toMillis() / 3));
            }
            Dialect.POSTGRESQL.createSchema(c, SCHEMA);
            jdbc = c;
        }
        return jdbc;
    }

    private void dropConnection(Exception e) {
        databaseTrouble = String.valueOf(e.getMessage());
        if (!unreachableLogged) {
            Log.errorf("cluster: the database cannot be reached: %s; leases lapse after %s without it", e.getMessage(),
                    ttl);
            unreachableLogged = true;
        }
        if (jdbc != null) {
            try {
                jdbc.close();
            } catch (SQLException ignored) {
                // already broken
            }
            jdbc = null;
        }
        rows.clear();
    }
}
