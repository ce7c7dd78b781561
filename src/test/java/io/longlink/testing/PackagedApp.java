package io.longlink.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The packaged application run as a child process, the way a container runs it: the prod profile, configuration as
 * system properties, output captured to {@code target/it-logs/<name>.log} (an earlier one of that name is kept as
 * {@code <name>.<n>.log}). Which artifact runs is what the last build produced, as {@code
 * target/quarkus-artifact.properties} records it (the file {@code @QuarkusIntegrationTest} reads, so both kinds of
 * {@code *IT} test the same artifact): after {@code -Dnative} the native executable ({@code target/*-runner}),
 * otherwise {@code target/quarkus-app/quarkus-run.jar} in a JVM of its own. {@link #terminate()} sends SIGTERM, as
 * Kubernetes does; {@link #kill()} sends SIGKILL, as a crash or the OOM killer would; {@link #pause()} and {@link
 * #resume()} send SIGSTOP and SIGCONT, as a frozen process that comes back (a long GC pause, a stalled VM) would be.
 * Authentication ({@code longlink.auth.enabled}) is off unless {@code config} sets it: these runs are about delivery
 * and lifecycle; {@code AuthIT} is about authentication.
 */
public final class PackagedApp implements AutoCloseable {

    /** The two ways the application is packaged. */
    public enum Kind {
        /** {@code target/quarkus-app/quarkus-run.jar}, run by the JVM that runs the test. */
        JVM,
        /**
         * The native executable {@code target/*-runner} (a native-kit build links the JDK's shared libraries from
         * its home's {@code lib/svm/rt} through an rpath, so it needs no {@code LD_LIBRARY_PATH}).
         */
        NATIVE;

        /** What the last build produced: native when {@code quarkus-artifact.properties} says so, else the jar. */
        public static Kind built() {
            Properties artifact = new Properties();
            try (var in = Files.newInputStream(TARGET.resolve("quarkus-artifact.properties"))) {
                artifact.load(in);
            } catch (IOException e) {
                return JVM;
            }
            return "native".equals(artifact.getProperty("type")) ? NATIVE : JVM;
        }
    }

    private static final Path TARGET = Path.of("target");
    private static final Path JAR = TARGET.resolve("quarkus-app").resolve("quarkus-run.jar");
    /**
     * JVM options a native executable understands as well (its heap and stack sizes, and its GC log:
     * {@code -XX:+PrintGC}, {@code -XX:+VerboseGC}); others are JVM-only.
     */
    private static final Pattern NATIVE_OPTION = Pattern
            .compile("-X(mx|ms|mn|ss)\\d+[kKmMgG]?|-XX:[+-](PrintGC|VerboseGC)");

    private final Process process;
    private final Path log;
    private final int port;
    /** Whether {@link #pause()} stopped the process and no {@link #resume()} followed. */
    private volatile boolean paused;

    private PackagedApp(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts the application on a free port with {@code config} and waits until its start-up check is UP (not
     * readiness: a test may start it with a store that cannot be written, which keeps it unready).
     */
    public static PackagedApp start(String name, Map<String, String> config) throws IOException {
        return start(name, config, List.of());
    }

    /**
     * As {@link #start(String, Map)}, with JVM options such as {@code -Xmx128m} (a native executable gets only the
     * heap and stack sizes among them, which it understands too).
     */
    public static PackagedApp start(String name, Map<String, String> config, List<String> jvmOptions)
            throws IOException {
        return start(name, config, jvmOptions, Map.of(), Duration.ofSeconds(60));
    }

    /** As {@link #start(String, Map, List)}, with these environment variables added to the process's. */
    public static PackagedApp start(String name, Map<String, String> config, List<String> jvmOptions,
            Map<String, String> environment) throws IOException {
        return start(name, config, jvmOptions, environment, Duration.ofSeconds(60));
    }

    /**
     * As {@link #start(String, Map, List, Map)}, waiting up to {@code patience} for the start (thousands of
     * connections).
     */
    public static PackagedApp start(String name, Map<String, String> config, List<String> jvmOptions,
            Map<String, String> environment, Duration patience) throws IOException {
        PackagedApp app = launch(Kind.built(), name, config, jvmOptions, environment);
        await().atMost(patience).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!app.process.isAlive()) {
                throw new IllegalStateException("the application exited with " + app.process.exitValue() + ":\n"
                        + app.output());
            }
            return app.httpStatus("/q/health/started") == 200;
        });
        return app;
    }

    /** Starts the application on a free port with {@code config} and returns at once, for a start that must fail. */
    public static PackagedApp launch(String name, Map<String, String> config) throws IOException {
        return launch(Kind.built(), name, config, List.of(), Map.of());
    }

    /**
     * As {@link #launch(String, Map)}, with the artifact, JVM options and environment variables (added to the
     * process's) chosen by the caller.
     */
    public static PackagedApp launch(Kind kind, String name, Map<String, String> config, List<String> jvmOptions,
            Map<String, String> environment) throws IOException {
        int port = UpstreamResource.freePort();
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("quarkus.http.port", Integer.toString(port));
        if (!config.containsKey("longlink.auth.enabled")) {
            properties.put("longlink.auth.enabled", "false");
        }
        properties.putAll(config);
        Path logs = Files.createDirectories(TARGET.resolve("it-logs"));
        Path log = logs.resolve(name + ".log");
        if (Files.exists(log)) {
            // an earlier process of this name (a restart in the test, or the failed attempt that failsafe reruns): its
            // log is kept as <name>.<n>.log, the new one takes the name
            Path kept;
            for (int n = 1;; n++) {
                kept = logs.resolve(name + "." + n + ".log");
                if (!Files.exists(kept)) {
                    break;
                }
            }
            Files.move(log, kept);
        }
        ProcessBuilder builder = new ProcessBuilder(command(kind, properties, jvmOptions)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new PackagedApp(builder.start(), log, port);
    }

    /**
     * The command line that runs the packaged application of {@code kind} with {@code properties} as system
     * properties, for a test that starts it itself (inside a network namespace, say).
     */
    public static List<String> command(Kind kind, Map<String, String> properties, List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        if (kind == Kind.NATIVE) {
            command.add(nativeExecutable().toAbsolutePath().toString());
            jvmOptions.stream().filter(o -> NATIVE_OPTION.matcher(o).matches()).forEach(command::add);
        } else {
            if (!Files.isRegularFile(JAR)) {
                throw new IllegalStateException(JAR + " is missing: run after package");
            }
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(jvmOptions);
        }
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        if (kind == Kind.JVM) {
            command.add("-jar");
            command.add(JAR.toAbsolutePath().toString());
        }
        return command;
    }

    /** The native executable the build left in {@code target/}: the one executable {@code *-runner} file. */
    public static Path nativeExecutable() {
        try (Stream<Path> files = Files.list(TARGET)) {
            List<Path> runners = files.filter(f -> f.getFileName().toString().endsWith("-runner"))
                    .filter(f -> Files.isRegularFile(f) && Files.isExecutable(f)).toList();
            if (runners.size() != 1) {
                throw new IllegalStateException("expected one native executable target/*-runner, found " + runners
                        + ": build with -Dnative");
            }
            return runners.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The operating-system process id (for CPU measurements). */
    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    /** Resident set size of the process in bytes, from {@code /proc} (Linux), or -1 when unknown. */
    public long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    /** SIGKILL ({@link Process#destroyForcibly()} on Linux): no shutdown hook runs, nothing is flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Sends SIGTERM ({@link Process#destroy()} on Linux). */
    public void terminate() {
        process.destroy();
    }

    /**
     * Sends SIGSTOP: the process freezes as a long GC pause or a stalled VM would, its sockets stay open (the kernel
     * still acknowledges TCP) but it neither reads, writes nor renews anything until {@link #resume()}.
     */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
        paused = true;
    }

    /** Sends SIGCONT to a process {@link #pause() paused} before. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
        paused = false;
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true)
                .start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed: " + out);
        }
    }

    /** Waits for the process to end and returns its exit code. */
    public int awaitExit(Duration patience) throws InterruptedException {
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the application did not exit within " + patience + ":\n" + output());
        }
        return process.exitValue();
    }

    /** Everything the application printed so far. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Status code of a GET, or -1 while nothing listens. */
    public int httpStatus(String path) {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create("http://localhost:" + port + path).toURL()
                    .openConnection();
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(5000);
            try {
                return connection.getResponseCode();
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            if (paused) {
                try {
                    resume();
                } catch (IOException e) {
                    // SIGKILL below ends a stopped process too
                }
            }
            terminate();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
