package io.longlink.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * Enqueue-and-deliver throughput beside a bare Quarkus REST POST, in one run on one machine (not a test). It starts
 * its own WebSocket sink (counts every frame), a bare Quarkus app generated into {@code target/bench-bare} (only
 * {@code quarkus-rest-jackson}, one event-loop {@code POST} answering 202 with a small JSON body, same Quarkus
 * version), and the packaged longlink three times (memory store, SQLite {@code sync=normal}, {@code sync=full}),
 * each with a connection open to the sink. {@code wrk} (Debian package) loads them with 100-byte
 * {@code text/plain} POSTs at 64 connections, and with batches of 100 such messages at 16 connections; the targets
 * alternate rep by rep and the table shows medians, p99, the ratio to the bare POST, CPU per message of the
 * server process, and what the sink received against what was acknowledged; then each rep's ratios against the
 * bare POST of the same rep, to show the spread.
 *
 * <pre>
 * sudo apt-get install -y wrk
 * ./mvnw -o package -DskipTests
 * ./mvnw -o -q org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.longlink.bench.SpeedBenchmark
 * </pre>
 *
 * System properties: {@code bench.seconds} (per run, default 10), {@code bench.reps} (default 3),
 * {@code bench.warmup} (seconds per target before the first rep, default 20: the JIT of a longlink is still busy after 5), {@code bench.batch} ({@code false}
 * skips the batch runs), {@code bench.single} ({@code false} skips longlink's single-message runs), {@code bench.stores} (which longlink stores to run, default {@code memory,normal,full}; an entry
 * {@code <store>:<key>=<value>;...} runs a variant with those settings),
 * {@code bench.jfr} (a directory: each longlink JVM records a JFR profile there, {@code <store>.jfr}),
 * {@code bench.jvm} (JVM options for every longlink, space-separated, {@code {mode}} replaced by the store: a profiler
 * agent such as async-profiler's {@code -agentpath:<lib>=start,event=itimer,file=<dir>/{mode}.collapsed}),
 * {@code bench.asprof} and {@code bench.profile} (async-profiler's {@code asprof} binary and a directory: each
 * measured longlink run is profiled, CPU per thread, into {@code <dir>/<store>-<single|batch>.collapsed}; load the
 * agent with {@code bench.jvm=-agentpath:<lib>} so that the profile starts warm), or {@code bench.perf} (a directory:
 * Linux {@code perf record} of each measured run instead, for a native executable; see {@link #profiler(long, String)}),
 * {@code bench.app.<key>} (sets {@code <key>} in every longlink under test).
 */
public final class SpeedBenchmark {

    static final Path WORK = Path.of("target", "bench");
    static final String BODY = "x".repeat(100);
    private static final int BATCH = 100;
    static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    /** The {@code perf record} running per process that {@code bench.perf} profiles. */
    private static final Map<Long, Process> PERF = new ConcurrentHashMap<>();
    static final Pattern P99 = Pattern.compile("\\n\\s+99%\\s+([0-9.]+)(us|ms|s)");
    static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");
    static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    private SpeedBenchmark() {
    }

    /** One server under load: where to POST single messages and batches, and its process for CPU. */
    private record Target(String name, String singleUrl, String batchUrl, long pid, String statusUrl) {
    }

    /** One wrk run. */
    private record Run(double requestsPerSecond, double p99Millis, long requests, long failed, long cpuTicks,
            long sinkFrames, long backlog, long sinkCpuTicks) {
    }

    public static void main(String[] args) throws Exception {
        int seconds = Integer.getInteger("bench.seconds", 10);
        int reps = Integer.getInteger("bench.reps", 3);
        int warmup = Integer.getInteger("bench.warmup", 20);
        Files.createDirectories(WORK);
        Files.writeString(WORK.resolve("single.lua"), "wrk.method=\"POST\"\nwrk.body=\"" + BODY
                + "\"\nwrk.headers[\"Content-Type\"]=\"text/plain\"\n");
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < BATCH; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"text\":\"").append(BODY).append("\"}");
        }
        Files.writeString(WORK.resolve("batch.lua"), "wrk.method=\"POST\"\nwrk.body='" + batch.append(']')
                + "'\nwrk.headers[\"Content-Type\"]=\"application/json\"\n");

        Vertx vertx = Vertx.vertx();
        AtomicLong sink = new AtomicLong();
        HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> {
            ws.textMessageHandler(t -> sink.incrementAndGet());
            ws.binaryMessageHandler(b -> sink.incrementAndGet());
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        String sinkUrl = "ws://127.0.0.1:" + server.actualPort() + "/sink";

        List<AutoCloseable> running = new ArrayList<>();
        Map<String, Target> targets = new LinkedHashMap<>();
        try {
            Process bare = BareApp.start();
            running.add(bare::destroyForcibly);
            targets.put("bare Quarkus REST POST", new Target("bare", BareApp.url("/noop"), null, bare.pid(), null));
            for (String spec : System.getProperty("bench.stores", "memory,normal,full").split(",")) {
                // <store>[:<key>=<value>[;<key>=<value>...]] runs a variant beside the defaults, e.g. to compare
                String mode = spec.split(":", 2)[0];
                Map<String, String> config = config(mode, sinkUrl);
                String variant = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : "";
                for (String setting : variant.isEmpty() ? new String[0] : variant.split(";")) {
                    config.put(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
                }
                String label = spec.replaceAll("[^A-Za-z0-9.=-]+", "_");
                PackagedApp app = PackagedApp.start("speed-" + label, config, jvmOptions(label));
                running.add(app);
                String base = "http://127.0.0.1:" + app.port() + "/connections/bench";
                targets.put("longlink " + (mode.equals("memory") ? "memory store" : "SQLite sync=" + mode)
                        + (variant.isEmpty() ? "" : " " + variant),
                        new Target(label, base + "/messages", base + "/messages:batch", app.pid(), base));
            }
            boolean runBatches = Boolean.parseBoolean(System.getProperty("bench.batch", "true"));
            for (Target t : targets.values()) {
                wrk(t.singleUrl(), "single.lua", 64, warmup);
                if (t.batchUrl() != null && runBatches) {
                    wrk(t.batchUrl(), "batch.lua", 16, warmup / 2);
                }
            }
            Map<String, List<Run>> singles = new LinkedHashMap<>();
            Map<String, List<Run>> batches = new LinkedHashMap<>();
            for (int rep = 0; rep < reps; rep++) {
                List<String> order = new ArrayList<>(targets.keySet());
                java.util.Collections.rotate(order, rep);
                for (String name : order) {
                    Target t = targets.get(name);
                    if (t.batchUrl() == null || Boolean.parseBoolean(System.getProperty("bench.single", "true"))) {
                        singles.computeIfAbsent(name, k -> new ArrayList<>()).add(measure(t, t.singleUrl(),
                                "single.lua", 64, seconds, sink, 1));
                    }
                    if (t.batchUrl() != null && Boolean.parseBoolean(System.getProperty("bench.batch", "true"))) {
                        batches.computeIfAbsent(name, k -> new ArrayList<>()).add(measure(t, t.batchUrl(),
                                "batch.lua", 16, seconds, sink, BATCH));
                    }
                }
            }
            print(singles, batches, reps, seconds);
        } finally {
            for (AutoCloseable c : running) {
                c.close();
            }
            vertx.close();
        }
    }

    static List<String> jvmOptions(String mode) throws IOException {
        List<String> options = new ArrayList<>();
        // -Dbench.jvm="<options>" adds JVM options to every longlink, e.g. a profiler agent ({mode} is replaced)
        for (String option : System.getProperty("bench.jvm", "").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                options.add(option.replace("{mode}", mode));
            }
        }
        String jfr = System.getProperty("bench.jfr");
        if (jfr != null && !jfr.isBlank()) {
            Path dir = Files.createDirectories(Path.of(jfr));
            options.add("-XX:StartFlightRecording=settings=profile,filename=" + dir.resolve(mode + ".jfr").toAbsolutePath());
        }
        return options;
    }

    /** The settings of a longlink under test: store {@code mode}, connection {@code bench} to {@code sinkUrl}. */
    static Map<String, String> config(String mode, String sinkUrl) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("longlink.store.kind", mode.equals("memory") ? "memory" : "sqlite");
        config.put("longlink.store.sync", mode.equals("full") ? "full" : "normal");
        config.put("longlink.store.path", UpstreamResource.freshStore().toString());
        config.put("longlink.connections.bench.url", sinkUrl);
        config.put("longlink.connections.bench.outbox.capacity", "100000000");
        config.put("longlink.connections.bench.outbox.retain-sent", "1000");
        config.put("longlink.upstreams.allowed-hosts", "127.0.0.1");
        config.put("quarkus.log.console.level", "WARN");
        // -Dbench.app.<key>=<value> sets <key> in every longlink under test, e.g. an outbox.batch-size to compare
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.app."))
                .forEach(k -> config.put(k.substring("bench.app.".length()), System.getProperty(k)));
        return config;
    }

    private static Run measure(Target t, String url, String script, int connections, int seconds, AtomicLong sink,
            int perRequest) throws Exception {
        long sinkBefore = sink.get();
        long cpuBefore = cpuTicks(t.pid());
        long sinkCpuBefore = cpuTicks(ProcessHandle.current().pid());
        String profile = profiler(t, "start -e cpu -i 1000000 --threads");
        String out = wrk(url, script, connections, seconds);
        profiler(t, "stop -o collapsed -f " + profile + "/" + t.name() + "-" + script.replace(".lua", ".collapsed"));
        long cpu = cpuTicks(t.pid()) - cpuBefore;
        // this process: the sink's event loop (the rest of it sleeps while wrk runs)
        long sinkCpu = cpuTicks(ProcessHandle.current().pid()) - sinkCpuBefore;
        long requests = group(TOTAL, out);
        long failed = group(NON_2XX, out) + socketErrors(out);
        long acknowledged = (requests - failed) * perRequest;
        long backlog = t.statusUrl() == null ? 0 : queued(t.statusUrl());
        if (t.statusUrl() != null) {
            // delivery must keep up: wait (bounded) until the sink has what was acknowledged
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sink.get() - sinkBefore < acknowledged && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
        Matcher rate = RATE.matcher(out);
        Matcher p99 = P99.matcher(out);
        if (!rate.find() || !p99.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + out);
        }
        double p99Millis = Double.parseDouble(p99.group(1))
                * switch (p99.group(2)) { case "us" -> 0.001; case "s" -> 1000.0; default -> 1.0; };
        return new Run(Double.parseDouble(rate.group(1)) * perRequest, p99Millis, acknowledged, failed, cpu,
                t.statusUrl() == null ? -1 : sink.get() - sinkBefore, backlog, sinkCpu);
    }

    /**
     * Runs async-profiler's {@code asprof <command> <pid>} against a longlink when {@code bench.asprof} (the binary)
     * and {@code bench.profile} (a directory) are set; its agent must be loaded at start ({@code bench.jvm}), as
     * loading it into a warm JVM throws its compiled code away. Returns the directory, or null.
     */
    private static String profiler(Target t, String command) throws Exception {
        return t.statusUrl() == null ? null : profiler(t.pid(), command);
    }

    /**
     * As {@link #profiler(Target, String)}, for the process {@code pid}. With {@code bench.perf} (a directory) set
     * instead, Linux {@code perf record} samples the process (a native executable, where no Java agent loads) from
     * {@code start} to {@code stop}, into {@code <dir>/<store>-<phase>.perf.data}: build the executable with
     * {@code -Dquarkus.native.debug.enabled=true -Dquarkus.native.additional-build-args=-H:-DeleteLocalSymbols} so
     * that {@code perf report --sort comm,sym} names its methods.
     */
    static String profiler(long pid, String command) throws Exception {
        String perf = System.getProperty("bench.perf");
        if (perf != null && !perf.isBlank()) {
            return perf(pid, command, Files.createDirectories(Path.of(perf)));
        }
        String asprof = System.getProperty("bench.asprof");
        String dir = System.getProperty("bench.profile");
        if (asprof == null || dir == null) {
            return null;
        }
        Files.createDirectories(Path.of(dir));
        List<String> line = new ArrayList<>(List.of(asprof));
        line.addAll(List.of(command.split(" ")));
        line.add(Long.toString(pid));
        Process p = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        p.waitFor(30, TimeUnit.SECONDS);
        return dir;
    }

    /** {@code start ...}: starts {@code perf record}; {@code stop ... -f <path>.collapsed}: ends it (SIGINT). */
    private static String perf(long pid, String command, Path dir) throws Exception {
        Path recording = dir.resolve(pid + ".perf.data");
        if (command.startsWith("start")) {
            // cpu-clock: a virtual machine's kernel often has no hardware cycle counter
            PERF.put(pid, new ProcessBuilder("perf", "record", "-e", "cpu-clock", "-F", "1999", "-p",
                    Long.toString(pid), "-o", recording.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            return dir.toString();
        }
        Process record = PERF.remove(pid);
        if (record == null) {
            return null;
        }
        new ProcessBuilder("kill", "-INT", Long.toString(record.pid())).start().waitFor();
        record.waitFor(60, TimeUnit.SECONDS);
        String named = Path.of(command.substring(command.indexOf("-f ") + 3).trim()).getFileName().toString();
        Files.move(recording, dir.resolve(named.replace(".collapsed", ".perf.data")),
                StandardCopyOption.REPLACE_EXISTING);
        return dir.toString();
    }

    static long socketErrors(String out) {
        Matcher m = ERRORS.matcher(out);
        if (!m.find()) {
            return 0;
        }
        return Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) + Long.parseLong(m.group(3))
                + Long.parseLong(m.group(4));
    }

    static long group(Pattern p, String out) {
        Matcher m = p.matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static String wrk(String url, String script, int connections, int seconds) throws Exception {
        Process wrk = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency",
                "-s", WORK.resolve(script).toString(), url).redirectErrorStream(true).start();
        String out = new String(wrk.getInputStream().readAllBytes());
        if (!wrk.waitFor(seconds + 30L, TimeUnit.SECONDS) || wrk.exitValue() != 0) {
            throw new IllegalStateException("wrk failed:\n" + out);
        }
        return out;
    }

    /** User plus system CPU of a process, in clock ticks (1/100 s on Linux). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** CPU ticks per thread name of a process (digits dropped, so a pool's threads add up). */
    static Map<String, Long> threadTicks(long pid) throws IOException {
        Map<String, Long> ticks = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+", "N");
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return ticks;
    }

    /** The busiest threads between two {@link #threadTicks} readings, as "name 1.23 s" items. */
    static String busiest(Map<String, Long> before, Map<String, Long> after, int count) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(count).map(e -> String.format("%s %.2f s", e.getKey(), e.getValue() / 100.0))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    static long queued(String statusUrl) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        String body = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(statusUrl)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("\"queued\":(\\d+)").matcher(body);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void print(Map<String, List<Run>> singles, Map<String, List<Run>> batches, int reps, int seconds) {
        double bare = median(singles.values().iterator().next(), Run::requestsPerSecond);
        double bareP99 = median(singles.values().iterator().next(), Run::p99Millis);
        System.out.printf("%nSingle messages: wrk -t2 -c64, 100-byte text/plain, medians of %d x %d s%n", reps, seconds);
        System.out.printf("| %-26s | %9s | %8s | %6s | %8s | %10s | %10s | %12s | %12s | %8s |%n", "target", "req/s",
                "p99 ms", "x bare", "p99 x", "CPU us/msg", "sink us/msg", "acknowledged", "sink", "backlog");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        singles.forEach((name, runs) -> row(name, runs, bare, bareP99));
        System.out.printf("%nBatches of %d messages: wrk -t2 -c16, medians of %d x %d s (messages/s)%n", BATCH, reps,
                seconds);
        System.out.printf("| %-26s | %9s | %8s | %6s | %8s | %10s | %10s | %12s | %12s | %8s |%n", "target", "msg/s",
                "p99 ms", "", "", "CPU us/msg", "sink us/msg", "acknowledged", "sink", "backlog");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        batches.forEach((name, runs) -> row(name, runs, Double.NaN, Double.NaN));
        // the spread: each rep against the bare POST of the same rep (the machine's speed moves between reps)
        List<Run> bareRuns = singles.values().iterator().next();
        System.out.printf("%nSingle messages, each rep: x bare (p99 x bare) in that rep, then the medians of those%n");
        singles.forEach((name, runs) -> {
            StringBuilder line = new StringBuilder(String.format("| %-26s |", name));
            double[] ratios = new double[runs.size()];
            double[] p99s = new double[runs.size()];
            for (int i = 0; i < runs.size(); i++) {
                ratios[i] = runs.get(i).requestsPerSecond() / bareRuns.get(i).requestsPerSecond();
                p99s[i] = runs.get(i).p99Millis() / bareRuns.get(i).p99Millis();
                line.append(String.format(" %.2f (%.2f) |", ratios[i], p99s[i]));
            }
            System.out.println(line.append(String.format(" median %.2f (%.2f) |", median(ratios), median(p99s))));
        });
    }

    private static void row(String name, List<Run> runs, double bare, double bareP99) {
        double rate = median(runs, Run::requestsPerSecond);
        double p99 = median(runs, Run::p99Millis);
        long acknowledged = runs.stream().mapToLong(Run::requests).sum();
        long sink = runs.stream().mapToLong(Run::sinkFrames).sum();
        double cpuMicros = runs.stream().mapToLong(Run::cpuTicks).sum() * 10_000.0 / Math.max(1, acknowledged);
        double sinkMicros = runs.stream().mapToLong(Run::sinkCpuTicks).sum() * 10_000.0 / Math.max(1, acknowledged);
        System.out.printf("| %-26s | %9.0f | %8.2f | %6s | %8s | %10.1f | %10.1f | %12d | %12s | %8d |%n", name, rate,
                p99, Double.isNaN(bare) ? "" : String.format("%.2f", rate / bare),
                Double.isNaN(bareP99) ? "" : String.format("%.2f", p99 / bareP99), cpuMicros, sinkMicros, acknowledged,
                sink < 0 ? "-" : Long.toString(sink), runs.stream().mapToLong(Run::backlog).max().orElse(0));
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        return median(runs.stream().mapToDouble(value).toArray());
    }

    private static double median(double[] values) {
        double[] sorted = java.util.Arrays.stream(values).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    /** The bare Quarkus app the targets are measured against, generated and built into {@code target/bench-bare}. */
    static final class BareApp {
        private static final Path DIR = Path.of("target", "bench-bare");
        private static int port;

        static Process start() throws Exception {
            Files.createDirectories(DIR.resolve("src/main/java/bench"));
            Files.createDirectories(DIR.resolve("src/main/resources"));
            Files.writeString(DIR.resolve("pom.xml"), """
                    <project xmlns="http://maven.apache.org/POM/4.0.0">
                      <modelVersion>4.0.0</modelVersion>
                      <groupId>bench</groupId><artifactId>bare</artifactId><version>1</version>
                      <properties>
                        <maven.compiler.release>17</maven.compiler.release>
                        <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                      </properties>
                      <dependencyManagement><dependencies><dependency>
                        <groupId>io.quarkus</groupId><artifactId>quarkus-bom</artifactId><version>3.33.2</version>
                        <type>pom</type><scope>import</scope>
                      </dependency></dependencies></dependencyManagement>
                      <dependencies><dependency>
                        <groupId>io.quarkus</groupId><artifactId>quarkus-rest-jackson</artifactId>
                      </dependency></dependencies>
                      <build><plugins><plugin>
                        <groupId>io.quarkus</groupId><artifactId>quarkus-maven-plugin</artifactId><version>3.33.2</version>
                        <extensions>true</extensions>
                        <executions><execution><goals><goal>build</goal></goals></execution></executions>
                      </plugin><plugin>
                        <artifactId>maven-compiler-plugin</artifactId><version>3.14.0</version>
                      </plugin></plugins></build>
                    </project>
                    """);
            Files.writeString(DIR.resolve("src/main/java/bench/Noop.java"), """
                    package bench;

                    import jakarta.ws.rs.POST;
                    import jakarta.ws.rs.Path;
                    import jakarta.ws.rs.core.Response;
                    import io.smallrye.mutiny.Uni;

                    @Path("/noop")
                    public class Noop {
                        public record Accepted(String id, String state) {
                        }

                        @POST
                        public Uni<Response> post(byte[] body) {
                            return Uni.createFrom().item(Response.accepted(new Accepted("1", "QUEUED")).build());
                        }
                    }
                    """);
            Files.writeString(DIR.resolve("src/main/resources/application.properties"), "quarkus.log.level=WARN\n");
            Process build = new ProcessBuilder(Path.of("mvnw").toAbsolutePath().toString(), "-q", "-o", "-f",
                    DIR.resolve("pom.xml").toString(), "package", "-DskipTests").inheritIO().start();
            if (!build.waitFor(10, TimeUnit.MINUTES) || build.exitValue() != 0) {
                throw new IllegalStateException("the bare app did not build");
            }
            port = UpstreamResource.freePort();
            Process app = new ProcessBuilder("java", "-Dquarkus.http.port=" + port, "-jar",
                    DIR.resolve("target/quarkus-app/quarkus-run.jar").toString())
                    .redirectErrorStream(true).redirectOutput(WORK.resolve("bare.log").toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    return app;
                } catch (IOException e) {
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
            app.destroyForcibly();
            throw new IllegalStateException("the bare app did not start");
        }

        static String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }
    }
}
