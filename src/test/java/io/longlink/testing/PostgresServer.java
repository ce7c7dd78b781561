package io.longlink.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL (Debian's, {@code /usr/lib/postgresql/<major>/bin}, or {@code -Dpostgres.bin=...}) owned by one test:
 * {@code initdb} into a fresh directory under the system temporary directory, the server on a free loopback port
 * with its Unix socket in that directory, a database {@code longlink} owned by a login user with a random password
 * (TCP needs the password, as in production; the socket trusts, for the test's own administration).
 *
 * <p>{@link #stop()} and {@link #start()} stop the server (fast mode: clients are disconnected, what was committed
 * stays) and start it again on the same port and data directory, for tests where the database goes away mid-flow.
 * {@link #close()} stops it at once and deletes everything. PostgreSQL refuses to run as root: when the tests run
 * as root, every command runs as the {@code postgres} user ({@code runuser}) and the directory is given to it. A
 * JVM that dies without {@link #close()} still stops the server (shutdown hook), so no orphan keeps the port.
 */
public final class PostgresServer implements AutoCloseable {

    /** The database the application uses, owned by {@link #username()}. */
    public static final String DATABASE = "longlink";
    private static final Path BIN = binaries();
    private static final String OS_USER = "postgres";
    private static final String SUPERUSER = "postgres";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Path dir;
    private final Path data;
    private final int port;
    private final String password = UUID.randomUUID().toString().replace("-", "");
    private final Thread orphanGuard = new Thread(this::stopImmediately, "postgres-orphan-guard");
    /** Whether the server was started and not stopped since, as far as this object knows. */
    private volatile boolean running;

    private PostgresServer(Path dir, int port) {
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
    }

    /** {@code -Dpostgres.bin}, else Debian's newest {@code /usr/lib/postgresql/<major>/bin} (15 on bookworm). */
    private static Path binaries() {
        String configured = System.getProperty("postgres.bin");
        if (configured != null) {
            return Path.of(configured);
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .map(v -> v.resolve("bin")).orElse(Path.of("/usr/lib/postgresql/15/bin"));
        } catch (IOException e) {
            return Path.of("/usr/lib/postgresql/15/bin");
        }
    }

    /** Whether the PostgreSQL binaries are installed here (package {@code postgresql}). */
    public static boolean available() {
        return Files.isExecutable(BIN.resolve("initdb")) && Files.isExecutable(BIN.resolve("pg_ctl"));
    }

    /** Creates a cluster, starts it and creates database {@link #DATABASE} and its user. */
    public static PostgresServer start(String name) throws IOException {
        Path dir = Files.createTempDirectory("longlink-pg-" + name + "-");
        if (asRoot()) {
            UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
            Files.setOwner(dir, owner);
        }
        PostgresServer server = new PostgresServer(dir, UpstreamResource.freePort());
        Runtime.getRuntime().addShutdownHook(server.orphanGuard);
        // local socket: trust (the test administers); TCP: the password, as the application connects in production
        server.run(BIN.resolve("initdb").toString(), "-D", server.data.toString(), "-U", SUPERUSER, "-E", "UTF8",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync");
        server.start();
        server.sql("CREATE ROLE longlink LOGIN PASSWORD '" + server.password + "'",
                "CREATE DATABASE " + DATABASE + " OWNER longlink");
        return server;
    }

    /** Starts the server (again) on its port and data directory and waits until it accepts connections. */
    public synchronized void start() throws IOException {
        run(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("postgres.log").toString(),
                "-w", "-t", Long.toString(PATIENCE.toSeconds()),
                "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "start");
        running = true;
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> exec(BIN.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p",
                        Integer.toString(port)).exitCode() == 0);
    }

    /** Stops the server the way an operator's restart does: clients are disconnected, committed data stays. */
    public synchronized void stop() throws IOException {
        run(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop");
        running = false;
    }

    public boolean isRunning() {
        return running;
    }

    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    /** The URL of another database of this server (see {@link #createDatabase(String)}). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public String username() {
        return "longlink";
    }

    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    /** A data source on {@code database} as the application's user (what a store under test connects with). */
    public javax.sql.DataSource dataSource(String database) {
        org.postgresql.ds.PGSimpleDataSource source = new org.postgresql.ds.PGSimpleDataSource();
        source.setUrl(jdbcUrl(database));
        source.setUser(username());
        source.setPassword(password());
        return source;
    }

    /** A new empty database owned by {@link #username()}, so each test of a class starts from nothing. */
    public void createDatabase(String database) throws IOException {
        if (!database.matches("[a-z][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain database name: " + database);
        }
        sql("CREATE DATABASE " + database + " OWNER longlink");
    }

    /** Runs statements as the superuser through the local socket; returns what {@code psql} printed. */
    public String sql(String... statements) throws IOException {
        List<String> command = new ArrayList<>(List.of(BIN.resolve("psql").toString(), "-X", "-q", "-A", "-t",
                "-v", "ON_ERROR_STOP=1", "-h", dir.toString(), "-p", Integer.toString(port), "-U", SUPERUSER,
                "-d", "postgres"));
        for (String statement : statements) {
            command.add("-c");
            command.add(statement);
        }
        return run(command.toArray(String[]::new));
    }

    /** The server's own log, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("postgres.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server at once (no checkpoint: nothing here is kept) and deletes its directory. */
    @Override
    public void close() throws IOException {
        stopImmediately();
        try {
            Runtime.getRuntime().removeShutdownHook(orphanGuard);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private void stopImmediately() {
        if (Files.exists(data.resolve("postmaster.pid"))) {
            try {
                exec(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
            } catch (IOException e) {
                // nothing more can be done from here
            }
        }
        running = false;
    }

    /** Runs a PostgreSQL command (as {@code postgres} when we are root); fails with its output unless it exits 0. */
    private String run(String... command) throws IOException {
        Result result = exec(command);
        if (result.exitCode() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + result.exitCode() + ":\n"
                    + result.output() + "\nserver log:\n" + log());
        }
        return result.output();
    }

    private record Result(int exitCode, String output) {
    }

    private Result exec(String... command) throws IOException {
        List<String> full = new ArrayList<>();
        if (asRoot()) {
            full.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        full.addAll(List.of(command));
        // output to a file, never a pipe: pg_ctl leaves the server running, and a pipe it inherited would never end
        Path out = Files.createTempFile("pg-command-", ".out");
        try {
            Process process = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", full) + " did not end within " + PATIENCE);
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", full), e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
