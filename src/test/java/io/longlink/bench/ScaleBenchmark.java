package io.longlink.bench;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/**
 * Many idle connections on one instance (not a test): it starts its own WebSocket upstream (accepts every socket,
 * answers pings, sends nothing), writes a configuration file with {@code bench.connections} connections to it
 * (default 10 000, default settings otherwise: 10 s heartbeat, SQLite store) and starts the packaged app once per
 * variant ({@code longlink.metrics.per-connection} true, then false). For each it prints: the time from launch until
 * every connection is OPEN, RSS, heap used after a full GC, the CPU of the idle process over {@code bench.idle}
 * seconds (default 30) as a share of one core, the median latency of {@code GET /connections?limit=100} and of the
 * full list (and its size), and the size and time of a {@code /q/metrics} scrape. With {@code bench.histogram=true}
 * the top of {@code jcmd GC.class_histogram} is printed too (where the memory goes).
 *
 * <pre>
 * ./mvnw -o package -DskipTests
 * ./mvnw -o -q org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.longlink.bench.ScaleBenchmark
 * </pre>
 *
 * System properties: {@code bench.connections} (default 10000), {@code bench.idle} (seconds, default 30),
 * {@code bench.settle} (seconds after all are OPEN before the idle CPU is measured, default 30),
 * {@code bench.variants} ({@code true,false}: the values of {@code longlink.metrics.per-connection} to run),
 * {@code bench.histogram} (default false), {@code bench.jvm} and {@code bench.jfr} (as in {@link SpeedBenchmark}),
 * {@code bench.app.<key>} (sets {@code <key>} in the app).
 */
public final class ScaleBenchmark {

    private static final Path WORK = Path.of("target", "bench");
    private static final Pattern HEAP_USED = Pattern.compile("garbage-first heap\\s+total \\d+K, used (\\d+)K");
    private static final Duration ALL_OPEN_PATIENCE = Duration.ofMinutes(5);

    private ScaleBenchmark() {
    }

    /** What one variant measured. */
    private record Result(String variant, double allOpenSeconds, long rssBytes, long heapBytes, double idleCore,
            double pageMillis, double fullMillis, long fullBytes, double metricsMillis, long metricsBytes,
            long series) {
    }

    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("bench.connections", 10_000);
        int idleSeconds = Integer.getInteger("bench.idle", 30);
        Files.createDirectories(WORK);
        Vertx vertx = Vertx.vertx();
        AtomicInteger open = new AtomicInteger();
        HttpServer upstream = vertx.createHttpServer(new HttpServerOptions().setAcceptBacklog(16_384))
                .webSocketHandler(ws -> {
                    open.incrementAndGet();
                    ws.closeHandler(v -> open.decrementAndGet());
                }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        Path config = WORK.resolve("scale-" + connections + ".properties");
        try (Writer out = Files.newBufferedWriter(config)) {
            for (int i = 0; i < connections; i++) {
                String id = "acct-%05d".formatted(i);
                out.write("longlink.connections." + id + ".url=ws://127.0.0.1:" + upstream.actualPort() + "/" + id
                        + "\n");
            }
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Result> results = new ArrayList<>();
        try {
            for (String perConnection : System.getProperty("bench.variants", "true,false").split(",")) {
                results.add(run(http, config, connections, idleSeconds, perConnection, open));
                while (open.get() > 0) {
                    TimeUnit.MILLISECONDS.sleep(100); // the last app's sockets are closing: a fresh count for the next
                }
            }
        } finally {
            upstream.close();
            vertx.close();
        }
        System.out.printf("%n%d idle connections, %d cores, load average %s%n", connections,
                Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).trim());
        System.out.printf("%-22s %8s %9s %9s %9s %9s %10s %10s %11s %11s %8s%n", "per-connection metrics",
                "open s", "RSS MiB", "KiB/conn", "heap MiB", "idle CPU", "limit=100", "full list", "full size",
                "/q/metrics", "series");
        for (Result r : results) {
            System.out.printf("%-22s %8.1f %9.0f %9.1f %9.0f %8.1f%% %8.1fms %8.0fms %9.2fMiB %5.0fms/%.1fMiB %8d%n",
                    r.variant(), r.allOpenSeconds(), r.rssBytes() / 1048576.0, r.rssBytes() / 1024.0 / connections,
                    r.heapBytes() / 1048576.0, r.idleCore() * 100, r.pageMillis(), r.fullMillis(),
                    r.fullBytes() / 1048576.0, r.metricsMillis(), r.metricsBytes() / 1048576.0, r.series());
        }
    }

    private static Result run(HttpClient http, Path config, int connections, int idleSeconds, String perConnection,
            AtomicInteger upstreamOpen) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("quarkus.config.locations", config.toAbsolutePath().toUri().toString());
        settings.put("longlink.store.path", UpstreamResource.freshStore().toString());
        if (!"default".equals(perConnection)) {
            settings.put("longlink.metrics.per-connection", perConnection);
        }
        settings.put("quarkus.log.console.level", "WARN");
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.app."))
                .forEach(k -> settings.put(k.substring("bench.app.".length()), System.getProperty(k)));
        List<String> jvm = SpeedBenchmark.jvmOptions("scale-" + perConnection);
        long launched = System.nanoTime();
        try (PackagedApp app = PackagedApp.start("scale-" + perConnection, settings, jvm, Map.of(), ALL_OPEN_PATIENCE)) {
            String base = "http://127.0.0.1:" + app.port();
            String notOpen = base + "/connections?state=CLOSED,CONNECTING,RECONNECTING,OFFLINE,FAILED,CLOSING&limit=1";
            long deadline = launched + ALL_OPEN_PATIENCE.toNanos();
            while (upstreamOpen.get() < connections || !"[]".equals(get(http, notOpen).body())) {
                if (System.nanoTime() > deadline || !app.isAlive()) {
                    throw new IllegalStateException(upstreamOpen.get() + " of " + connections + " open after "
                            + ALL_OPEN_PATIENCE + "; app log: target/it-logs/scale-" + perConnection + ".log");
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            double allOpen = (System.nanoTime() - launched) / 1e9;
            System.out.printf("per-connection=%s: %d OPEN after %.1f s%n", perConnection, connections, allOpen);

            // the work the opening left behind (compilations, the first heartbeats, a GC) settles before idle is measured
            TimeUnit.SECONDS.sleep(Integer.getInteger("bench.settle", 30));
            long idleFrom = SpeedBenchmark.cpuTicks(app.pid());
            long idleStart = System.nanoTime();
            TimeUnit.SECONDS.sleep(idleSeconds);
            double idle = (SpeedBenchmark.cpuTicks(app.pid()) - idleFrom) / 100.0
                    / ((System.nanoTime() - idleStart) / 1e9);

            double page = median(http, base + "/connections?limit=100", 21);
            HttpResponse<String> full = get(http, base + "/connections");
            double fullMillis = median(http, base + "/connections", 5);
            HttpResponse<String> metrics = get(http, base + "/q/metrics");
            double metricsMillis = median(http, base + "/q/metrics", 3);
            long series = metrics.body().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();

            jcmd(app.pid(), "GC.run");
            long rss = app.residentBytes();
            Matcher heap = HEAP_USED.matcher(jcmd(app.pid(), "GC.heap_info"));
            long heapBytes = heap.find() ? Long.parseLong(heap.group(1)) * 1024 : -1;
            if (Boolean.getBoolean("bench.histogram")) {
                System.out.println(jcmd(app.pid(), "GC.class_histogram").lines().limit(40)
                        .reduce((a, b) -> a + "\n" + b).orElse(""));
            }
            return new Result(perConnection, allOpen, rss, heapBytes, idle, page, fullMillis,
                    full.body().getBytes(StandardCharsets.UTF_8).length, metricsMillis,
                    metrics.body().getBytes(StandardCharsets.UTF_8).length, series);
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response;
    }

    /** Median wall time of {@code times} sequential GETs, in milliseconds. */
    private static double median(HttpClient http, String url, int times) throws IOException, InterruptedException {
        double[] millis = new double[times];
        for (int i = 0; i < times; i++) {
            long start = System.nanoTime();
            get(http, url);
            millis[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        return millis[times / 2];
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
