package io.longlink.bench;

import static io.longlink.bench.SpeedBenchmark.BODY;
import static io.longlink.bench.SpeedBenchmark.WORK;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;

import io.longlink.testing.Cluster;
import io.longlink.testing.PackagedApp;
import io.longlink.testing.PostgresServer;
import io.longlink.testing.UpstreamResource;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * Cluster mode's cost and reach, in one run on one machine (not a test): enqueue-and-deliver throughput with the
 * PostgreSQL store on 1 and on 2 instances, beside the SQLite store ({@code sync=full}, the default) on one, and the
 * latency from an enqueue on an instance that does not own the connection to the upstream receiving the message
 * (DESIGN.md: within 100 ms at p50), beside the same on the owner.
 *
 * <p>It starts a PostgreSQL of its own ({@link PostgresServer}: Debian's {@code postgresql}, durable settings, on
 * the same 2 cores), one WebSocket sink (counts frames, notes when each latency probe arrives) and, per setup, the
 * packaged app with two connections to the sink, {@code bench-0} and {@code bench-1}. Two {@code wrk} processes run
 * at once, 32 connections each, 100-byte {@code text/plain} POSTs: one on {@code bench-0}, one on {@code bench-1};
 * with two instances the first loads instance {@code a}, the second {@code b} (whichever owns the connection), so
 * both the forwarding and the owning path are under load. A run counts as delivered when the sink has every
 * acknowledged message; "delivered/s" is acknowledged messages over the time from the start of the load to the
 * last arrival. SpeedBenchmark's wrk runner and parsers are reused.
 *
 * <pre>
 * sudo apt-get install -y wrk postgresql
 * ./mvnw -o package -DskipTests
 * ./mvnw -o -q org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.longlink.bench.ClusterBenchmark
 * </pre>
 *
 * System properties: {@code bench.seconds} (per run, default 10), {@code bench.reps} (default 3),
 * {@code bench.warmup} (seconds per setup, default 5), {@code bench.latency.samples} (per path, default 300).
 */
public final class ClusterBenchmark {

    private static final List<String> CONNECTIONS = List.of("bench-0", "bench-1");
    private static final int WRK_CONNECTIONS = 32;
    private static final String SCRIPT = "cluster-single.lua";
    private static final Duration DRAIN = Duration.ofSeconds(60);
    /** Pause between two latency probes, so each one meets an idle path (the p50 asked for is not a queue's). */
    private static final Duration PROBE_GAP = Duration.ofMillis(10);
    /** The wrk processes of one run start together (the common pool has one thread on 2 cores). */
    private static final ExecutorService WRK = Executors.newCachedThreadPool();

    private ClusterBenchmark() {
    }

    /** One setup under load: where each wrk posts, and the processes whose CPU counts. */
    private record Setup(String name, List<String> urls, List<Long> pids, List<String> statusUrls) {
    }

    /** One load run of a setup: both wrk together. */
    private record Run(double enqueuedPerSecond, double p99Millis, long acknowledged, long failed, long delivered,
            double deliveredPerSecond, long backlog, long cpuTicks) {
    }

    private record Latency(String path, double p50Millis, double p99Millis, double maxMillis, int samples) {
    }

    public static void main(String[] args) throws Exception {
        int seconds = Integer.getInteger("bench.seconds", 10);
        int reps = Integer.getInteger("bench.reps", 3);
        int warmup = Integer.getInteger("bench.warmup", 5);
        int samples = Integer.getInteger("bench.latency.samples", 300);
        Files.createDirectories(WORK);
        Files.writeString(WORK.resolve(SCRIPT), "wrk.method=\"POST\"\nwrk.body=\"" + BODY
                + "\"\nwrk.headers[\"Content-Type\"]=\"text/plain\"\n");

        Vertx vertx = Vertx.vertx();
        AtomicLong sink = new AtomicLong();
        Map<String, Long> probes = new ConcurrentHashMap<>();
        HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> ws.textMessageHandler(t -> {
            sink.incrementAndGet();
            if (t.startsWith("probe-")) {
                probes.put(t, System.nanoTime());
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        String sinkUrl = "ws://127.0.0.1:" + server.actualPort() + "/sink";

        Map<String, List<Run>> runs = new LinkedHashMap<>();
        Map<String, String> failures = new LinkedHashMap<>();
        List<Latency> latencies = new ArrayList<>();
        try (PostgresServer postgres = PostgresServer.start("bench")) {
            String name = "SQLite sync=full, 1 instance";
            try (PackagedApp sqlite = PackagedApp.start("cluster-bench-sqlite", sqliteConfig(sinkUrl))) {
                runs.put(name, load(single(name, sqlite), sink, warmup, seconds, reps));
            } catch (Exception e) {
                failures.put(name, e.getMessage());
            }
            name = "PostgreSQL, 1 instance";
            postgres.createDatabase("bench_one");
            try (Cluster one = Cluster.start("cluster-bench-pg1", List.of("a"), postgresConfig(postgres, "bench_one",
                    sinkUrl))) {
                awaitOwned(one, CONNECTIONS);
                runs.put(name, load(single(name, one.instance("a")), sink, warmup, seconds, reps));
            } catch (Exception e) {
                failures.put(name, e.getMessage());
            }
            name = "PostgreSQL, 2 instances";
            postgres.createDatabase("bench_two");
            try (Cluster two = Cluster.start("cluster-bench-pg2", List.of("a", "b"), postgresConfig(postgres,
                    "bench_two", sinkUrl))) {
                awaitOwned(two, CONNECTIONS);
                System.out.printf("owners: bench-0 %s, bench-1 %s%n", two.owner("a", "bench-0"),
                        two.owner("a", "bench-1"));
                PackagedApp a = two.instance("a");
                PackagedApp b = two.instance("b");
                Setup setup = new Setup(name, List.of(messages(a, "bench-0"),
                        messages(b, "bench-1")), List.of(a.pid(), b.pid()), List.of(status(a, "bench-0"),
                                status(a, "bench-1")));
                runs.put(setup.name(), load(setup, sink, warmup, seconds, reps));

                String owner = two.owner("a", "bench-0");
                String other = owner.equals("a") ? "b" : "a";
                latencies.add(latency("enqueue on the owner (" + owner + ")", two.instance(owner), "bench-0",
                        samples, probes));
                latencies.add(latency("enqueue on the non-owner (" + other + ")", two.instance(other), "bench-0",
                        samples, probes));
            } catch (Exception e) {
                failures.put(name, e.getMessage());
            }
        } finally {
            vertx.close();
            WRK.shutdown();
        }
        print(runs, latencies, reps, seconds);
        failures.forEach((name, reason) -> System.out.printf("%s: not measured: %s%n", name,
                reason == null ? "?" : reason.lines().limit(12).collect(java.util.stream.Collectors.joining("\n  "))));
    }

    private static Map<String, String> common(String sinkUrl) {
        Map<String, String> config = new LinkedHashMap<>();
        for (String id : CONNECTIONS) {
            config.put("longlink.connections." + id + ".url", sinkUrl);
            config.put("longlink.connections." + id + ".outbox.capacity", "100000000");
            config.put("longlink.connections." + id + ".outbox.retain-sent", "1000");
        }
        config.put("longlink.upstreams.allowed-hosts", "127.0.0.1");
        config.put("quarkus.log.console.level", "WARN");
        return config;
    }

    private static Map<String, String> sqliteConfig(String sinkUrl) {
        Map<String, String> config = common(sinkUrl);
        config.put("longlink.store.kind", "sqlite");
        config.put("longlink.store.sync", "full");
        config.put("longlink.store.path", UpstreamResource.freshStore().toString());
        return config;
    }

    private static Map<String, String> postgresConfig(PostgresServer postgres, String database, String sinkUrl) {
        // the production defaults of the lease: this measures the store and the routing, not failover
        Map<String, String> config = Cluster.settings(postgres, database, Duration.ofSeconds(10), Duration.ofSeconds(3));
        config.putAll(common(sinkUrl));
        return config;
    }

    /** Both wrk on one instance. */
    private static Setup single(String name, PackagedApp app) {
        return new Setup(name, CONNECTIONS.stream().map(id -> messages(app, id)).toList(), List.of(app.pid()),
                CONNECTIONS.stream().map(id -> status(app, id)).toList());
    }

    private static String messages(PackagedApp app, String connection) {
        return status(app, connection) + "/messages";
    }

    private static String status(PackagedApp app, String connection) {
        return "http://127.0.0.1:" + app.port() + "/connections/" + connection;
    }

    private static void awaitOwned(Cluster cluster, List<String> connections) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (connections.stream().anyMatch(id -> cluster.owner(cluster.ids().get(0), id) == null)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("connections not owned within 60 s: see " + cluster.logs());
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private static List<Run> load(Setup setup, AtomicLong sink, int warmup, int seconds, int reps) throws Exception {
        System.out.printf("%s: warm-up %d s, then %d x %d s%n", setup.name(), warmup, reps, seconds);
        run(setup, sink, warmup);
        List<Run> results = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            results.add(run(setup, sink, seconds));
        }
        return results;
    }

    /** Both wrk at once, then waits (bounded) until the sink has everything they got acknowledged. */
    private static Run run(Setup setup, AtomicLong sink, int seconds) throws Exception {
        long sinkBefore = sink.get();
        long cpuBefore = cpu(setup);
        long started = System.nanoTime();
        List<CompletableFuture<String>> wrks = setup.urls().stream().map(url -> CompletableFuture.supplyAsync(() -> {
            try {
                return SpeedBenchmark.wrk(url, SCRIPT, WRK_CONNECTIONS, seconds);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, WRK)).toList();
        double rate = 0;
        double p99 = 0;
        long acknowledged = 0;
        long failed = 0;
        for (CompletableFuture<String> wrk : wrks) {
            String out = wrk.get();
            Matcher r = SpeedBenchmark.RATE.matcher(out);
            Matcher p = SpeedBenchmark.P99.matcher(out);
            if (!r.find() || !p.find()) {
                throw new IllegalStateException("unexpected wrk output:\n" + out);
            }
            long requests = SpeedBenchmark.group(SpeedBenchmark.TOTAL, out);
            long bad = SpeedBenchmark.group(SpeedBenchmark.NON_2XX, out) + SpeedBenchmark.socketErrors(out);
            rate += Double.parseDouble(r.group(1)) * (requests - bad) / Math.max(1, requests);
            p99 = Math.max(p99, Double.parseDouble(p.group(1))
                    * switch (p.group(2)) { case "us" -> 0.001; case "s" -> 1000.0; default -> 1.0; });
            acknowledged += requests - bad;
            failed += bad;
        }
        long backlog = 0;
        for (String status : setup.statusUrls()) {
            backlog += Math.max(0, SpeedBenchmark.queued(status));
        }
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (sink.get() - sinkBefore < acknowledged && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        long delivered = sink.get() - sinkBefore;
        double elapsed = (System.nanoTime() - started) / 1e9;
        return new Run(rate, p99, acknowledged, failed, delivered, Math.min(delivered, acknowledged) / elapsed,
                backlog, cpu(setup) - cpuBefore);
    }

    private static long cpu(Setup setup) throws Exception {
        long ticks = 0;
        for (long pid : setup.pids()) {
            ticks += SpeedBenchmark.cpuTicks(pid);
        }
        return ticks;
    }

    /** One probe at a time: from just before the POST to the sink receiving the frame. */
    private static Latency latency(String name, PackagedApp app, String connection, int samples,
            Map<String, Long> arrivals) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create(messages(app, connection));
        double[] millis = new double[samples];
        for (int i = 0; i < samples; i++) {
            String probe = "probe-" + name.hashCode() + "-" + i;
            long sent = System.nanoTime();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(probe)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) {
                throw new IllegalStateException(name + ": enqueue answered " + response.statusCode() + " "
                        + response.body());
            }
            long deadline = sent + TimeUnit.SECONDS.toNanos(10);
            while (!arrivals.containsKey(probe)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + ": " + probe + " did not arrive within 10 s");
                }
                TimeUnit.MICROSECONDS.sleep(200);
            }
            millis[i] = (arrivals.get(probe) - sent) / 1e6;
            TimeUnit.MILLISECONDS.sleep(PROBE_GAP.toMillis());
        }
        Arrays.sort(millis);
        return new Latency(name, millis[samples / 2], millis[Math.min(samples - 1, (int) Math.ceil(samples * 0.99) - 1)],
                millis[samples - 1], samples);
    }

    private static void print(Map<String, List<Run>> runs, List<Latency> latencies, int reps, int seconds) {
        System.out.printf("%nEnqueue and delivery: 2 x wrk -t2 -c%d (bench-0, bench-1), 100-byte text/plain, medians of"
                + " %d x %d s%n", WRK_CONNECTIONS, reps, seconds);
        System.out.printf("| %-30s | %10s | %8s | %12s | %10s | %12s | %12s | %8s |%n", "setup", "enqueued/s",
                "p99 ms", "delivered/s", "CPU us/msg", "acknowledged", "delivered", "backlog");
        System.out.println("|---|---|---|---|---|---|---|---|");
        runs.forEach((name, list) -> {
            long acknowledged = list.stream().mapToLong(Run::acknowledged).sum();
            System.out.printf("| %-30s | %10.0f | %8.2f | %12.0f | %10.1f | %12d | %12d | %8d |%n", name,
                    median(list, Run::enqueuedPerSecond), median(list, Run::p99Millis),
                    median(list, Run::deliveredPerSecond),
                    list.stream().mapToLong(Run::cpuTicks).sum() * 10_000.0 / Math.max(1, acknowledged), acknowledged,
                    list.stream().mapToLong(Run::delivered).sum(), list.stream().mapToLong(Run::backlog).max().orElse(0));
        });
        System.out.printf("%nEnqueue to upstream, one message at a time, 2 instances on PostgreSQL (DESIGN.md: p50 within"
                + " 100 ms on a non-owner)%n");
        System.out.printf("| %-34s | %8s | %8s | %8s | %7s |%n", "path", "p50 ms", "p99 ms", "max ms", "samples");
        System.out.println("|---|---|---|---|---|");
        latencies.forEach(l -> System.out.printf("| %-34s | %8.2f | %8.2f | %8.2f | %7d |%n", l.path(), l.p50Millis(),
                l.p99Millis(), l.maxMillis(), l.samples()));
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        double[] values = runs.stream().mapToDouble(value).sorted().toArray();
        return values[values.length / 2];
    }
}
