package io.longlink.store;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.quarkus.logging.Log;

/**
 * With {@code sync=normal}: copies the SQLite file's WAL into the database on its own thread and connection, every
 * {@value #EVERY_MILLIS} ms ({@code wal_checkpoint(PASSIVE)}, which never takes the write lock), so that the
 * writer's commits do not wait for the copy and its two fsyncs. The writer still checkpoints itself once the WAL
 * passes {@value #WRITER_PAGES} pages (SQLite's {@code wal_autocheckpoint}), as that is what lets a WAL under
 * constant traffic start again from its beginning; by then little is left to copy or to sync.
 *
 * <p>Why: with the writer checkpointing every 1000 pages (SQLite's default), a checkpoint ran inside a commit a few
 * times a second under load, and each held every enqueue behind it for 3 to 100 ms; they set the p99 of the
 * enqueues. Not with {@code sync=full}: there every commit waits for an fsync of the WAL anyway, and in the same
 * comparison this thread brought no throughput while the median p99 was worse (25× the bare POST's against 1.7×).
 */
final class Checkpointer implements AutoCloseable {

    static final long EVERY_MILLIS = 20;
    /** The writer connection's {@code wal_autocheckpoint} (pages, 16 MiB at 4 KiB) while this runs. */
    static final int WRITER_PAGES = 4000;

    private final StoreWriter.Opener opener;
    private final StoreWriter writer;
    /** The writer's commit count at the last checkpoint: no commit since, nothing to copy. */
    private long copiedAt = -1;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "longlink-store-checkpointer");
        t.setDaemon(true);
        return t;
    });
    /** The thread's connection, opened on first use and dropped after a failure. */
    private Connection jdbc;

    Checkpointer(StoreWriter.Opener opener, StoreWriter writer) {
        this.opener = opener;
        this.writer = writer;
    }

    void start() {
        thread.scheduleWithFixedDelay(this::checkpoint, EVERY_MILLIS, EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void checkpoint() {
        long commits = writer.commits();
        if (commits == copiedAt || !writer.writable()) {
            // idle, or the file is not open: nothing to copy
            return;
        }
        try {
            if (jdbc == null) {
                jdbc = opener.open();
            }
            try (Statement s = jdbc.createStatement(); ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                r.next();
            }
            copiedAt = commits;
        } catch (IOException | SQLException | RuntimeException e) {
            // the writer's own checkpoints go on; this one tries again with a new connection
            Log.debugf("message store checkpoint failed: %s", e.getMessage());
            drop();
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drop();
    }

    private void drop() {
        StoreDatabase.closeQuietly(jdbc, "checkpoint");
        jdbc = null;
    }
}
