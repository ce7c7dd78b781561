package io.longlink.store;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.longlink.config.LonglinkConfig;
import io.quarkus.logging.Log;

/**
 * The one thread that writes the SQLite file: it takes up to {@code longlink.store.max-batch} jobs from its queue
 * and writes them in one transaction (group commit), together with the jobs submitted while it writes them (single
 * instance only, see {@link #joinLate}), then tells each job it committed. It also opens the file
 * (and, once it lost its connection, tries again every {@code reopen-interval}) and runs every store's upkeep each
 * {@code maintenance-interval}.
 *
 * <p>A transaction that fails for any reason, an {@link SQLException} (disk full, read-only file) or an
 * unexpected {@link RuntimeException} (a bug), is rolled back as a whole; each job then decides whether it is
 * kept and written again first in the next transaction (sent marks, inbound frames) or refused (enqueues, which
 * answer 503). So a failed transaction never loses a sent mark and never reorders jobs.
 *
 * <p>Upkeep that grows with traffic (deleting forgotten rows, clearing sent payloads) runs in bounded steps
 * ({@link StoreTables#tidy}), each its own transaction between groups of jobs: one {@value #TIDY_EVERY_MILLIS} ms
 * after commits left rows to tidy ({@link StoreTables#untidy}), and one every {@value #TIDY_PAUSE_MILLIS} ms while a
 * step found more than its bound. So upkeep keeps pace with traffic in small steps, and the commits of enqueues
 * never wait behind one transaction that deletes seconds' worth of rows.
 *
 * <p>Thread confinement: {@code jdbc}, {@code statements}, {@code unsaved}, {@code behind}, {@code openFailed} and
 * {@code stopping} belong to the writer thread; {@code writable} is volatile.
 */
final class StoreWriter {

    /** Opens a connection to the file, with the store's pragmas applied. */
    interface Opener {
        Connection open() throws IOException, SQLException;
    }

    /**
     * Pause between two tidy steps while upkeep is behind: commits of jobs run in between. Short enough that upkeep
     * outruns the fastest ingest (a step of 2048 rows takes about a millisecond; with 10 ms it fell behind batches
     * of 150-190k messages/s, and the backlog it left made later commits wait).
     */
    private static final long TIDY_PAUSE_MILLIS = 2;

    /**
     * Delay of a tidy step after commits left rows to tidy. Under constant traffic a step then takes what about this
     * long brought (800 rows at 40k messages/s, about a millisecond), so no step holds up commits for long; waiting
     * for the maintenance interval instead left steps of the bound each, two to twenty milliseconds apiece, in a
     * burst every five seconds, and they were the slowest answers of the enqueues queued behind them.
     */
    private static final long TIDY_EVERY_MILLIS = 20;

    private static final StoreJob STOP = new StoreJob() {
        @Override
        public void write(Transaction tx) {
        }

        @Override
        public void committed() {
        }

        @Override
        public boolean rolledBack(RuntimeException cause) {
            return false;
        }
    };

    private final LonglinkConfig.Store config;
    private final Dialect dialect;
    /** What the logs call the database: the file's path, or the datasource. */
    private final String label;
    /** Null for a single instance: it writes every connection's rows. */
    private final Fence fence;
    private final Opener opener;
    private final List<StoreTables> tables;
    private final Clock clock;
    private final BlockingQueue<StoreJob> jobs = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final CountDownLatch firstOpen = new CountDownLatch(1);
    /** Transactions committed since start; tells tests and logs how well commits are grouped. */
    private final AtomicLong commits = new AtomicLong();
    /** Whether the last transaction (or the opening of the file) succeeded. */
    private volatile boolean writable;

    private Connection jdbc;
    private Statements statements;
    /** Jobs of failed transactions that asked to be kept, oldest first; written before newer jobs. */
    private final List<StoreJob> unsaved = new ArrayList<>();
    /** Jobs {@link #joinLate} took from the queue but left for the next transaction (from an alone job on). */
    private final List<StoreJob> deferred = new ArrayList<>();
    /** Tables whose last tidy step stopped at its bound. */
    private final Set<StoreTables> behind = new HashSet<>();
    /** An attempt to open the file failed (logged once). */
    private boolean openFailed;
    /** {@link #stop} was asked while a transaction took late jobs: the thread ends after it. */
    private boolean stopping;

    StoreWriter(LonglinkConfig.Store config, Dialect dialect, String label, Opener opener, List<StoreTables> tables,
            Fence fence, Clock clock) {
        this.config = config;
        this.dialect = dialect;
        this.label = label;
        this.fence = fence;
        this.opener = opener;
        this.tables = tables;
        this.clock = clock;
        this.thread = new Thread(this::run, "longlink-store-writer");
        thread.setDaemon(true);
    }

    /** Starts the thread and waits until its first attempt to open the file (and load every store) ended. */
    void start() {
        thread.start();
        try {
            firstOpen.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void submit(StoreJob job) {
        jobs.add(job);
    }

    boolean writable() {
        return writable;
    }

    long commits() {
        return commits.get();
    }

    /** Writes what was submitted so far, closes the file and ends the thread; later jobs are refused. */
    void stop() {
        jobs.add(STOP);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StoreJob job;
        StoreUnavailableException closed = new StoreUnavailableException("the store is shutting down");
        // the thread ended: what it left deferred is refused with the queue
        deferred.forEach(j -> j.rolledBack(closed));
        deferred.clear();
        while ((job = jobs.poll()) != null) {
            job.rolledBack(closed);
        }
    }

    private void run() {
        tryOpen();
        firstOpen.countDown();
        long interval = Math.max(1, config.maintenanceInterval().toMillis());
        long nextMaintenance = System.currentTimeMillis() + interval;
        long nextTidy = Long.MAX_VALUE;
        long reopenInterval = Math.max(1, config.reopenInterval().toMillis());
        long nextReopen = System.currentTimeMillis() + reopenInterval;
        List<StoreJob> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                long wakeUp = Math.min(nextMaintenance, jdbc == null ? Math.min(nextTidy, nextReopen) : nextTidy);
                StoreJob first = !deferred.isEmpty() ? jobs.poll()
                        : jobs.poll(Math.max(0, wakeUp - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                if (jdbc == null && System.currentTimeMillis() >= nextReopen) {
                    // the connection was lost: try again soon, not only at the next maintenance
                    tryOpen();
                    nextReopen = System.currentTimeMillis() + reopenInterval;
                }
                if (first != null || !deferred.isEmpty()) {
                    if (first != null) {
                        batch.add(first);
                    }
                    jobs.drainTo(batch, Math.max(0, config.maxBatch() - 1));
                    stop = batch.remove(STOP);
                    apply(batch);
                    batch.clear();
                    stop |= stopping;
                }
                long now = System.currentTimeMillis();
                if (now >= nextMaintenance) {
                    maintain();
                    nextMaintenance = System.currentTimeMillis() + interval;
                    nextTidy = nextTidy(now, Long.MAX_VALUE);
                } else if (now >= nextTidy) {
                    tidy();
                    nextTidy = nextTidy(now, Long.MAX_VALUE);
                } else if (first != null) {
                    nextTidy = nextTidy(now, nextTidy);
                }
            } catch (InterruptedException e) {
                stop = true;
            }
        }
        closeFile();
    }

    /**
     * Writes the kept jobs and then {@code batch} in one transaction, then tells each job how it went; a job that
     * must be {@link StoreJob#alone} gets a transaction of its own, after the ones before it. Once a transaction
     * failed, the jobs after it are refused with it (the kept ones stay in order for the next attempt).
     */
    private void apply(List<StoreJob> batch) {
        List<StoreJob> work = new ArrayList<>(unsaved);
        work.addAll(deferred);
        work.addAll(batch);
        unsaved.clear();
        deferred.clear();
        int from = 0;
        for (int i = 0; i <= work.size(); i++) {
            boolean alone = i < work.size() && work.get(i).alone();
            if (i < work.size() && !alone) {
                continue;
            }
            // the jobs before this one, then this one by itself
            // (only the last group takes the jobs submitted meanwhile: they are newer than every job here)
            StoreUnavailableException failure = i > from
                    ? write(new ArrayList<>(work.subList(from, i)), i == work.size()) : null;
            int unwritten = i;
            if (failure == null && alone) {
                failure = write(new ArrayList<>(work.subList(i, i + 1)), false);
                unwritten = i + 1;
            }
            if (failure != null) {
                refuse(work.subList(unwritten, work.size()), failure);
                return;
            }
            from = i + 1;
        }
    }

    /**
     * Writes {@code work} in one transaction and tells each job how it went; null when it committed. With
     * {@code last}, jobs submitted meanwhile may join it ({@link #joinLate}).
     */
    private StoreUnavailableException write(List<StoreJob> work, boolean last) {
        if (jdbc == null) {
            StoreUnavailableException closed = new StoreUnavailableException(
                    "the message store cannot be opened now; nothing was stored");
            refuse(work, closed);
            return closed;
        }
        Transaction tx;
        try {
            statements.begin.execute();
            Set<String> held = fence == null ? null : fence.held(jdbc, connectionsOf(work));
            if (held != null) {
                work = refuseUnowned(work, held);
            }
            tx = new Transaction(statements, held);
            for (StoreJob job : work) {
                job.write(tx);
            }
            if (fence == null && last) {
                joinLate(work, tx);
            }
            tx.beforeCommit();
            statements.commit.execute();
        } catch (SQLException | RuntimeException e) {
            rollback();
            failed(e);
            StoreUnavailableException refused = new StoreUnavailableException(
                    "the message store cannot be written now; nothing was stored");
            refuse(work, refused);
            return refused;
        }
        committed();
        tx.afterCommit();
        work.forEach(StoreJob::committed);
        return null;
    }

    /**
     * Writes into {@code tx} the jobs submitted while it was being written, up to {@code max-batch} jobs in all, so
     * that they share its commit instead of waiting for it and then for one of their own. With {@code sync=full}
     * each commit is an fsync, and the jobs that arrived while a transaction was written cost one more: in two
     * same-run comparisons (single POSTs, 64 connections) {@code full} gave 0.61× and 0.52× the bare POST with this
     * against 0.46× and 0.48× without, with a lower p99; {@code sync=normal} and batches were the same either way.
     * Not in a cluster, where the fence was asked about the connections of the first jobs only.
     */
    private void joinLate(List<StoreJob> work, Transaction tx) throws SQLException {
        while (work.size() < config.maxBatch()) {
            int from = work.size();
            jobs.drainTo(work, config.maxBatch() - from);
            if (work.size() == from) {
                return;
            }
            if (work.subList(from, work.size()).remove(STOP)) {
                stopping = true;
            }
            for (int i = from; i < work.size(); i++) {
                if (work.get(i).alone()) {
                    // it and the jobs after it wait for the next transactions, in order
                    List<StoreJob> later = work.subList(i, work.size());
                    deferred.addAll(0, later);
                    later.clear();
                    return;
                }
                work.get(i).write(tx);
            }
        }
    }

    private static Set<String> connectionsOf(List<StoreJob> work) {
        Set<String> ids = new HashSet<>();
        for (StoreJob job : work) {
            if (job.connectionId() != null) {
                ids.add(job.connectionId());
            }
        }
        return ids;
    }

    /** Drops (and refuses) the jobs of connections this instance does not own; they are never written. */
    private List<StoreJob> refuseUnowned(List<StoreJob> work, Set<String> held) {
        List<StoreJob> owned = new ArrayList<>(work.size());
        Set<String> refused = new HashSet<>();
        for (StoreJob job : work) {
            String id = job.connectionId();
            if (id == null || held.contains(id)) {
                owned.add(job);
            } else {
                job.rolledBack(new NotOwnerException(id));
                refused.add(id);
            }
        }
        refused.forEach(fence::refused);
        return owned;
    }

    private void refuse(List<StoreJob> work, StoreUnavailableException cause) {
        for (StoreJob job : work) {
            if (job.rolledBack(cause)) {
                unsaved.add(job);
            }
        }
    }

    /** When the next tidy step is due: soon while a table is behind, a little later when commits left rows. */
    private long nextTidy(long now, long scheduled) {
        if (jdbc == null) {
            return Long.MAX_VALUE;
        }
        if (!behind.isEmpty()) {
            return Math.min(scheduled, now + TIDY_PAUSE_MILLIS);
        }
        for (StoreTables t : tables) {
            if (t.untidy()) {
                return Math.min(scheduled, now + TIDY_EVERY_MILLIS);
            }
        }
        return scheduled;
    }

    /** Opens a store that could not be opened, writes kept jobs, and runs every store's upkeep and a tidy step. */
    private void maintain() {
        if (jdbc == null) {
            tryOpen();
            return;
        }
        if (!unsaved.isEmpty()) {
            apply(new ArrayList<>());
        }
        upkeep(true);
    }

    /** One tidy step of the stores behind or left untidy, in its own transaction between groups of jobs. */
    private void tidy() {
        if (jdbc != null) {
            upkeep(false);
        }
    }

    private void upkeep(boolean maintenance) {
        Transaction tx;
        Set<StoreTables> more = new HashSet<>();
        try {
            statements.begin.execute();
            tx = new Transaction(statements, fence == null ? null : fence.held(jdbc, fence.claimed()));
            for (StoreTables t : tables) {
                if (maintenance) {
                    t.maintain(tx);
                }
                if ((maintenance || behind.contains(t) || t.untidy()) && t.tidy(tx)) {
                    more.add(t);
                }
            }
            tx.beforeCommit();
            if (maintenance && !writable) {
                statements.probe.setLong(1, clock.millis());
                statements.probe.executeUpdate();
            }
            statements.commit.execute();
        } catch (SQLException | RuntimeException e) {
            rollback();
            failed(e);
            // the next maintenance tries again
            behind.clear();
            return;
        }
        committed();
        tx.afterCommit();
        behind.clear();
        behind.addAll(more);
    }

    private void committed() {
        commits.incrementAndGet();
        if (!writable) {
            writable = true;
            Log.infof("message store %s is writable", label);
        }
    }

    private void failed(Exception e) {
        Log.debugf("message store transaction failed: %s", e.getMessage());
        if (writable) {
            if (e instanceof SQLException) {
                Log.errorf("message store %s cannot be written: %s; enqueues answer 503 until it can", label,
                        e.getMessage());
            } else {
                Log.errorf(e, "message store %s: unexpected failure; the transaction was rolled back", label);
            }
        }
        writable = false;
        if (jdbc != null && dialect.lost(jdbc, e)) {
            // a server restarted or the network dropped: open a new connection at the next upkeep
            closeFile();
        }
    }

    private void rollback() {
        statements.clearBatches();
        try {
            statements.rollback.execute();
        } catch (SQLException e) {
            // SQLite has already rolled back after some errors (disk full among them)
            Log.debugf("message store rollback: %s", e.getMessage());
        }
    }

    private void tryOpen() {
        try {
            Connection connection = opener.open();
            try {
                for (StoreTables t : tables) {
                    t.open(connection, dialect == Dialect.SQLITE);
                }
                statements = new Statements(connection, dialect);
            } catch (SQLException | RuntimeException e) {
                connection.close();
                throw e;
            }
            jdbc = connection;
            writable = true;
            openFailed = false;
            Log.infof("message store %s open (%s)", label, dialect == Dialect.SQLITE
                    ? "sync=" + config.sync().name().toLowerCase() : dialect.name().toLowerCase());
        } catch (IOException | SQLException e) {
            if (!openFailed) {
                Log.errorf("message store %s cannot be opened: %s; enqueues answer 503 until it can", label,
                        e.getMessage());
            }
            openFailed = true;
            writable = false;
        }
    }

    private void closeFile() {
        if (jdbc == null) {
            return;
        }
        try {
            jdbc.close();
            Log.infof("message store %s closed", label);
        } catch (SQLException e) {
            Log.warnf("message store %s did not close cleanly: %s", label, e.getMessage());
        }
        jdbc = null;
        statements = null;
    }

    /**
     * The writer connection's prepared statements. The connection stays in auto-commit mode and the writer
     * brackets its transactions itself, because SQLite ends a transaction on its own after some errors (disk full
     * among them) and the driver's bookkeeping would then refuse every later commit.
     */
    static final class Statements {
        private final Connection connection;
        private final Map<String, PreparedStatement> bySql = new HashMap<>();
        final PreparedStatement begin;
        final PreparedStatement commit;
        final PreparedStatement rollback;
        final PreparedStatement probe;

        Statements(Connection connection, Dialect dialect) throws SQLException {
            this.connection = connection;
            connection.setAutoCommit(true);
            begin = connection.prepareStatement("BEGIN");
            commit = connection.prepareStatement("COMMIT");
            rollback = connection.prepareStatement("ROLLBACK");
            dialect.createSchema(connection,
                    "CREATE TABLE IF NOT EXISTS store_check (name TEXT PRIMARY KEY, at INTEGER NOT NULL)");
            probe = connection.prepareStatement("""
                    INSERT INTO store_check (name, at) VALUES ('writable', ?)
                    ON CONFLICT (name) DO UPDATE SET at = excluded.at""");
        }

        Connection connection() {
            return connection;
        }

        PreparedStatement get(String sql) throws SQLException {
            PreparedStatement statement = bySql.get(sql);
            if (statement == null) {
                statement = connection.prepareStatement(sql);
                bySql.put(sql, statement);
            }
            return statement;
        }

        /** Drops what a failed transaction left batched. */
        void clearBatches() {
            for (PreparedStatement statement : bySql.values()) {
                try {
                    statement.clearBatch();
                } catch (SQLException e) {
                    Log.debugf("message store: clearing a batch failed: %s", e.getMessage());
                }
            }
        }
    }
}
