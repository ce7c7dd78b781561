package io.longlink.bench;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;

/**
 * Start-up and memory of the packaged app, the native executable against the JVM, side by side on one machine (not
 * a test). For each: the time from exec to the first answer of {@code GET /connections} (median of
 * {@code bench.starts} starts), the resident set once idle, then with {@code bench.connections} configured
 * connections OPEN to an upstream the benchmark starts itself (and how long they took to open), then the highest
 * resident set seen while {@code bench.messages} 100-byte messages go through them (64 producers) and after.
 *
 * <pre>
 * ./mvnw -B package -Dnative -DskipTests -Dquarkus.native.graalvm-home=$GRAALVM_HOME   # target/*-runner
 * ./mvnw -B package -DskipTests                                                          # target/quarkus-app
 * ./mvnw -o -q org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.longlink.bench.FootprintBenchmark
 * </pre>
 *
 * Optional system properties: {@code bench.kinds} (default {@code NATIVE,JVM}), {@code bench.starts} (5),
 * {@code bench.connections} (1000), {@code bench.messages} (20000), {@code bench.heap} (an {@code -Xmx} both get,
 * e.g. {@code 128m}: does the footprint hold under a container's limit?).
 */
public final class FootprintBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Buffer BODY = Buffer.buffer("x".repeat(100));
    private static final int PRODUCERS = 64;
    private static final long MIB = 1024 * 1024;
    /** The resident set counts as settled when two samples this far apart differ by less than {@link #STEADY_BYTES}. */
    private static final Duration SAMPLE = Duration.ofSeconds(1);
    private static final long STEADY_BYTES = MIB;

    private FootprintBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<PackagedApp.Kind> kinds = Arrays.stream(System.getProperty("bench.kinds", "NATIVE,JVM").split(","))
                .map(String::trim).map(PackagedApp.Kind::valueOf).toList();
        int starts = Integer.getInteger("bench.starts", 5);
        int connections = Integer.getInteger("bench.connections", 1000);
        int messages = Integer.getInteger("bench.messages", 20_000);
        String heap = System.getProperty("bench.heap", "");
        List<String> jvmOptions = heap.isBlank() ? List.of() : List.of("-Xmx" + heap);
        Vertx vertx = Vertx.vertx();
        UpstreamServer upstream = new UpstreamServer(vertx, "127.0.0.1", 0).start();
        List<String> rows = new ArrayList<>();
        try {
            for (PackagedApp.Kind kind : kinds) {
                rows.add(measure(vertx, upstream, kind, starts, connections, messages, jvmOptions));
            }
        } finally {
            upstream.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        System.out.printf("%n%s connections, %d messages of 100 bytes, %d producers%s; %d cores, load average %s%n",
                connections, messages, PRODUCERS, heap.isBlank() ? "" : ", -Xmx" + heap,
                Runtime.getRuntime().availableProcessors(), loadAverage());
        System.out.printf("%-7s %14s %13s %12s %14s %15s %14s%n", "kind", "first answer", "idle RSS", "to all OPEN",
                "RSS all OPEN", "RSS peak load", "RSS after");
        rows.forEach(System.out::println);
    }

    private static String measure(Vertx vertx, UpstreamServer upstream, PackagedApp.Kind kind, int starts,
            int connections, int messages, List<String> jvmOptions) throws Exception {
        List<Long> firstAnswers = new ArrayList<>();
        long idle = 0;
        for (int run = 0; run < starts; run++) {
            Map<String, String> config = Map.of("longlink.store.path", UpstreamResource.freshStore().toString());
            long started = System.nanoTime();
            try (PackagedApp app = PackagedApp.launch(kind, "footprint-" + kind + "-idle-" + run, config,
                    jvmOptions, Map.of())) {
                awaitFirstAnswer(app);
                firstAnswers.add(System.nanoTime() - started);
                if (run == 0) {
                    idle = settledResidentBytes(app);
                }
            }
        }
        firstAnswers.sort(null);
        long firstAnswer = firstAnswers.get(firstAnswers.size() / 2);
        System.out.printf("%s first answers (ms): %s%n", kind,
                firstAnswers.stream().map(n -> Long.toString(n / 1_000_000)).toList());

        Map<String, String> config = new LinkedHashMap<>();
        config.put("longlink.store.path", UpstreamResource.freshStore().toString());
        config.put("longlink.store.sync", "normal");
        for (int i = 0; i < connections; i++) {
            String id = "c" + i;
            config.put("longlink.connections." + id + ".url", upstream.url("/" + kind + "/" + id));
            config.put("longlink.connections." + id + ".outbox.capacity", "100000");
        }
        long launched = System.nanoTime();
        try (PackagedApp app = PackagedApp.launch(kind, "footprint-" + kind + "-" + connections, config,
                jvmOptions, Map.of())) {
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> openCount(app) == connections);
            long toOpen = System.nanoTime() - launched;
            long allOpen = settledResidentBytes(app);

            AtomicLong peak = new AtomicLong();
            long sampler = vertx.setPeriodic(100, t -> peak.accumulateAndGet(app.residentBytes(), Math::max));
            load(vertx, app, connections, messages);
            long expected = messages;
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                    .until(() -> received(upstream, kind, connections) >= expected);
            vertx.cancelTimer(sampler);
            long after = settledResidentBytes(app);
            return String.format("%-7s %11.2f s %9d MiB %10.1f s %10d MiB %11d MiB %10d MiB", kind,
                    firstAnswer / 1e9, idle / MIB, toOpen / 1e9, allOpen / MIB, peak.get() / MIB, after / MIB);
        }
    }

    /** Polls {@code GET /connections} every few milliseconds until it answers 200. */
    private static void awaitFirstAnswer(PackagedApp app) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(5)).until(() -> {
            if (!app.isAlive()) {
                throw new IllegalStateException("exited:\n" + app.output());
            }
            return app.httpStatus("/connections") == 200;
        });
    }

    private static long openCount(PackagedApp app) throws IOException {
        JsonNode list = JSON.readTree(app.uri("/connections").toURL());
        long open = 0;
        for (JsonNode connection : list) {
            if ("OPEN".equals(connection.path("state").asText())) {
                open++;
            }
        }
        return open;
    }

    /** The resident set once two samples {@link #SAMPLE} apart differ by less than {@link #STEADY_BYTES}. */
    private static long settledResidentBytes(PackagedApp app) {
        AtomicLong last = new AtomicLong(app.residentBytes());
        await().atMost(Duration.ofMinutes(1)).pollDelay(SAMPLE).pollInterval(SAMPLE).until(() -> {
            long now = app.residentBytes();
            return Math.abs(now - last.getAndSet(now)) < STEADY_BYTES;
        });
        return last.get();
    }

    /** {@link #PRODUCERS} producers post {@code messages} messages round-robin over the connections. */
    private static void load(Vertx vertx, PackagedApp app, int connections, int messages) throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
                .setDefaultPort(app.port()), new PoolOptions().setHttp1MaxSize(PRODUCERS));
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<CompletableFuture<Void>> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            producers.add(done);
            post(client, next, messages, connections, failed, done);
        }
        CompletableFuture.allOf(producers.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        client.close();
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " posts were not accepted");
        }
    }

    private static void post(HttpClient client, AtomicInteger next, int messages, int connections,
            AtomicInteger failed, CompletableFuture<Void> done) {
        int n = next.getAndIncrement();
        if (n >= messages) {
            done.complete(null);
            return;
        }
        client.request(HttpMethod.POST, "/connections/c" + (n % connections) + "/messages")
                .compose(request -> request.putHeader("Content-Type", "text/plain").send(BODY))
                .onComplete(response -> {
                    if (response.failed() || response.result().statusCode() != 202) {
                        failed.incrementAndGet();
                    }
                    post(client, next, messages, connections, failed, done);
                });
    }

    private static long received(UpstreamServer upstream, PackagedApp.Kind kind, int connections) {
        long frames = 0;
        for (int i = 0; i < connections; i++) {
            frames += upstream.path("/" + kind + "/c" + i).frames.size();
        }
        return frames;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ", 4)[0];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
