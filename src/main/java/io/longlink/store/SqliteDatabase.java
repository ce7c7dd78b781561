package io.longlink.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.sqlite.SQLiteConfig;

import io.longlink.config.LonglinkConfig;
import io.quarkus.logging.Log;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The SQLite file (WAL mode) that the outbox and the inbound logs share, so that one group commit holds both
 * directions' writes. Writes go through one {@link StoreWriter} thread; reads run on one reader thread with its
 * own read-only connection (WAL lets it read the last commit while the writer writes), so neither ever runs on
 * the event loop.
 *
 * <p>Life: {@link #register} every store's tables, {@link #start} (opens the file and loads every store before
 * it returns), then {@link #submit} and {@link #read} from any thread, and {@link #close} once.
 */
public final class SqliteDatabase implements AutoCloseable {

    /** A read on the reader thread's connection. */
    @FunctionalInterface
    public interface Query<T> {
        T run(Connection jdbc) throws SQLException;
    }

    private final LonglinkConfig.Store config;
    private final List<StoreTables> tables = new CopyOnWriteArrayList<>();
    private final StoreWriter writer;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "longlink-store-reader");
        t.setDaemon(true);
        return t;
    });
    /** The reader thread's connection, opened on first use and dropped after a failure. */
    private Connection readConnection;
    /** Set once by {@link #close}. */
    private volatile boolean closed;

    public SqliteDatabase(LonglinkConfig.Store config, Clock clock) {
        this.config = config;
        this.writer = new StoreWriter(config, () -> connect(false), tables, clock);
    }

    /** Adds a store's tables; only before {@link #start}. */
    public void register(StoreTables storeTables) {
        tables.add(storeTables);
    }

    /** Opens the file and loads every registered store; when it cannot be opened, retries in the background. */
    public void start() {
        writer.start();
    }

    /** Hands a job to the writer; never blocks. After {@link #close} the job is refused at once. */
    public void submit(StoreJob job) {
        if (closed) {
            job.rolledBack(new StoreUnavailableException("the store is shutting down"));
            return;
        }
        writer.submit(job);
    }

    /**
     * Runs {@code query} on the reader thread. The stage completes on the caller's Vert.x context when it was
     * called on one (so an event-loop caller continues on its own loop, in order), else on the reader thread; it
     * fails with {@link StoreUnavailableException} when the file cannot be read.
     */
    public <T> CompletionStage<T> read(Query<T> query) {
        Context context = Vertx.currentContext();
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            reader.execute(() -> {
                try {
                    T value = query.run(readConnection());
                    complete(context, () -> result.complete(value));
                } catch (IOException | SQLException | RuntimeException e) {
                    dropReadConnection();
                    Log.debugf("message store read failed: %s", e.getMessage());
                    complete(context, () -> result.completeExceptionally(
                            new StoreUnavailableException("the message store cannot be read now: " + e.getMessage())));
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new StoreUnavailableException("the store is shutting down"));
        }
        return result;
    }

    /** Runs {@code action} on {@code context}, or here when there is none. */
    public static void complete(Context context, Runnable action) {
        if (context == null) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }

    /** Whether the last transaction (or the opening of the file) succeeded, and the store is not closing. */
    public boolean writable() {
        return writer.writable() && !closed;
    }

    /** Transactions committed since start. */
    public long commits() {
        return writer.commits();
    }

    /** Commits what was submitted so far and closes the file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writer.stop();
        reader.shutdown();
        try {
            if (!reader.awaitTermination(config.maintenanceInterval().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                reader.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dropReadConnection();
    }

    private Connection readConnection() throws IOException, SQLException {
        if (readConnection == null) {
            readConnection = connect(true);
        }
        return readConnection;
    }

    private void dropReadConnection() {
        if (readConnection != null) {
            try {
                readConnection.close();
            } catch (SQLException e) {
                Log.debugf("message store: closing the read connection: %s", e.getMessage());
            }
            readConnection = null;
        }
    }

    private Connection connect(boolean readOnly) throws IOException, SQLException {
        Path file = Path.of(config.path());
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !readOnly) {
            Files.createDirectories(dir);
        }
        SQLiteConfig options = new SQLiteConfig();
        if (readOnly) {
            options.setReadOnly(true);
        } else {
            options.setJournalMode(SQLiteConfig.JournalMode.WAL);
            options.setSynchronous(config.sync() == LonglinkConfig.StoreSync.FULL
                    ? SQLiteConfig.SynchronousMode.FULL
                    : SQLiteConfig.SynchronousMode.NORMAL);
        }
        Connection connection = options.createConnection("jdbc:sqlite:" + file);
        if (!readOnly) {
            try {
                limitSize(connection);
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
        }
        return connection;
    }

    private void limitSize(Connection connection) throws SQLException {
        long maxBytes = config.maxSize().asLongValue();
        if (maxBytes <= 0) {
            return;
        }
        try (Statement s = connection.createStatement();
                ResultSet page = s.executeQuery("PRAGMA page_size")) {
            page.next();
            long pages = Math.max(1, maxBytes / page.getLong(1));
            s.execute("PRAGMA max_page_count = " + pages);
        }
    }
}
