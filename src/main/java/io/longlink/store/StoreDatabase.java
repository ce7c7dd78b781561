package io.longlink.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.sqlite.SQLiteConfig;

import io.longlink.config.LonglinkConfig;
import io.quarkus.logging.Log;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The database that the outbox and the inbound logs share, so that one group commit holds both directions'
 * writes: the SQLite file (WAL mode) of a single instance, or the PostgreSQL database of a cluster. Writes go
 * through one {@link StoreWriter} thread; reads run on one reader thread with its own connection (read-only for
 * SQLite: WAL lets it read the last commit while the writer writes), so neither ever runs on the event loop.
 *
 * <p>In a cluster every instance writes the same tables, each only the rows of the connections it owns: the
 * writer asks the {@link Fence} before each transaction, and a store loads a connection's state when this
 * instance {@link #claim claims} it instead of loading everything at open.
 *
 * <p>Life: {@link #register} every store's tables, {@link #start} (opens the database and, for SQLite, loads every
 * store before it returns), then {@link #submit} and {@link #read} from any thread, and {@link #close} once.
 */
public final class StoreDatabase implements AutoCloseable {

    /** A read on the reader thread's connection. */
    @FunctionalInterface
    public interface Query<T> {
        T run(Connection jdbc) throws SQLException;
    }

    /** Opens a connection to the database. */
    @FunctionalInterface
    interface Opener {
        Connection open(boolean readOnly) throws IOException, SQLException;
    }

    private final LonglinkConfig.Store config;
    private final Dialect dialect;
    private final Opener opener;
    private final List<StoreTables> tables = new CopyOnWriteArrayList<>();
    private final StoreWriter writer;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "longlink-store-reader");
        t.setDaemon(true);
        return t;
    });
    /** The reader thread's connection, opened on first use and dropped after a failure. */
    private Connection readConnection;
    /** SQLite only: copies the WAL into the file off the writer thread. */
    private final Checkpointer checkpointer;
    /** Set once by {@link #close}. */
    private volatile boolean closed;

    /** The SQLite file at {@code longlink.store.path}. */
    public StoreDatabase(LonglinkConfig.Store config, Clock clock) {
        this(config, Dialect.SQLITE, null, config.path(), null, clock);
    }

    /**
     * A PostgreSQL database shared by the instances of a cluster; {@code fence} says which rows this one may write.
     * A transaction left open longer than {@code idleInTransaction} by this process (paused by SIGSTOP, a long GC)
     * is ended by the server, so the lease rows it locked never hold up another instance's takeover.
     */
    public static StoreDatabase postgresql(LonglinkConfig.Store config, DataSource dataSource, String label,
            Fence fence, Duration idleInTransaction, Clock clock) {
        return new StoreDatabase(config, Dialect.POSTGRESQL, readOnly -> {
            Connection c = dataSource.getConnection();
            try (Statement s = c.createStatement()) {
                s.execute("SET idle_in_transaction_session_timeout = " + Math.max(1, idleInTransaction.toMillis()));
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            return c;
        }, label, fence, clock);
    }

    private StoreDatabase(LonglinkConfig.Store config, Dialect dialect, Opener opener, String label, Fence fence,
            Clock clock) {
        this.config = config;
        this.dialect = dialect;
        this.opener = opener == null ? this::connect : opener;
        this.writer = new StoreWriter(config, dialect, label, () -> this.opener.open(false), tables, fence, clock);
        this.checkpointer = dialect == Dialect.SQLITE && config.sync() == LonglinkConfig.StoreSync.NORMAL
                ? new Checkpointer(() -> this.opener.open(false), writer) : null;
    }

    public Dialect dialect() {
        return dialect;
    }

    /**
     * This instance now owns the connection (cluster): every store loads what it keeps in memory of it, in a writer
     * transaction (fenced like any write). The stage completes once loaded, or fails when the store cannot be read
     * or the ownership is already gone.
     */
    public CompletionStage<Void> claim(String connectionId) {
        Answered job = new Answered(connectionId, tx -> {
            for (StoreTables t : tables) {
                t.claim(tx, connectionId);
            }
        }, false, true);
        submit(job);
        return job.done;
    }

    /** This instance no longer owns the connection (cluster): every store forgets it, on the writer thread. */
    public void release(String connectionId) {
        submit(new StoreJob.Kept() {
            @Override
            public boolean alone() {
                return true;
            }

            @Override
            public void write(Transaction tx) {
                for (StoreTables t : tables) {
                    t.release(connectionId);
                }
            }
        });
    }

    /** Completes once everything submitted before it is committed (or refused); for an orderly hand-over. */
    public CompletionStage<Void> flush() {
        Answered job = new Answered(null, tx -> {
        }, true, false);
        submit(job);
        return job.done;
    }

    /** A job whose outcome completes a stage: with its commit, or with its failure unless {@code anyway}. */
    private static final class Answered implements StoreJob {
        interface Work {
            void write(Transaction tx) throws SQLException;
        }

        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final String connectionId;
        private final Work work;
        private final boolean anyway;
        private final boolean alone;

        Answered(String connectionId, Work work, boolean anyway, boolean alone) {
            this.connectionId = connectionId;
            this.work = work;
            this.anyway = anyway;
            this.alone = alone;
        }

        @Override
        public boolean alone() {
            return alone;
        }

        @Override
        public String connectionId() {
            return connectionId;
        }

        @Override
        public void write(Transaction tx) throws SQLException {
            work.write(tx);
        }

        @Override
        public void committed() {
            done.complete(null);
        }

        @Override
        public boolean rolledBack(RuntimeException cause) {
            if (anyway) {
                done.complete(null);
            } else {
                done.completeExceptionally(cause);
            }
            return false;
        }
    }

    /** Adds a store's tables; only before {@link #start}. */
    public void register(StoreTables storeTables) {
        tables.add(storeTables);
    }

    /** Opens the file and loads every registered store; when it cannot be opened, retries in the background. */
    public void start() {
        writer.start();
        if (checkpointer != null) {
            checkpointer.start();
        }
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
        if (checkpointer != null) {
            checkpointer.close();
        }
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
            readConnection = opener.open(true);
        }
        return readConnection;
    }

    private void dropReadConnection() {
        closeQuietly(readConnection, "read");
        readConnection = null;
    }

    /** Closes a helper thread's connection (null: none), which only logs at debug when that fails. */
    static void closeQuietly(Connection connection, String which) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                Log.debugf("message store: closing the %s connection: %s", which, e.getMessage());
            }
        }
    }

    /** A connection to the SQLite file, with its pragmas. */
    private Connection connect(boolean readOnly) throws IOException, SQLException {
        Path file = Path.of(config.path());
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !readOnly) {
            Files.createDirectories(dir);
        }
        SQLiteConfig options = new SQLiteConfig();
        // nothing reads generated keys: without this the driver matches every statement it runs against a regex,
        // and runs a SELECT last_insert_rowid() after each INSERT
        options.setGetGeneratedKeys(false);
        if (readOnly) {
            options.setReadOnly(true);
        } else {
            options.setJournalMode(SQLiteConfig.JournalMode.WAL);
            options.setSynchronous(config.sync() == LonglinkConfig.StoreSync.FULL
                    ? SQLiteConfig.SynchronousMode.FULL
                    : SQLiteConfig.SynchronousMode.NORMAL);
            if (checkpointer != null) {
                options.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, Integer.toString(Checkpointer.WRITER_PAGES));
            }
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
