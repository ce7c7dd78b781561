package io.longlink.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;

/**
 * Enqueue throughput of the packaged app over HTTP (not a test): {@code sync=full}, {@code sync=normal} and the
 * memory store, each at 1, 8 and 64 concurrent producers posting 100-byte text messages back to back. The upstream
 * is down, so the numbers are the cost of accepting a message (HTTP plus store), not of sending it.
 *
 * <pre>
 * ./mvnw -o package -DskipTests
 * ./mvnw -o -q org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.longlink.bench.EnqueueBenchmark
 * </pre>
 *
 * Optional system properties: {@code bench.warmup} and {@code bench.measure} (seconds, default 2 and 5).
 */
public final class EnqueueBenchmark {

    private static final List<Integer> PRODUCERS = List.of(1, 8, 64);
    private static final Buffer BODY = Buffer.buffer("x".repeat(100));
    private static final String PATH = "/connections/bench/messages";
    private static final int MAX_SAMPLES = 4_000_000;

    private EnqueueBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Duration warmup = Duration.ofSeconds(Long.getLong("bench.warmup", 2));
        Duration measure = Duration.ofSeconds(Long.getLong("bench.measure", 5));
        Vertx vertx = Vertx.vertx();
        System.out.printf("%-8s %9s %12s %9s %9s %8s%n", "store", "producers", "messages/s", "p50 ms", "p99 ms",
                "errors");
        try {
            for (String mode : List.of("full", "normal", "memory")) {
                try (PackagedApp app = PackagedApp.start("bench-" + mode, config(mode))) {
                    for (int producers : PRODUCERS) {
                        run(vertx, app, producers, warmup);
                        Result r = run(vertx, app, producers, measure);
                        System.out.printf("%-8s %9d %12.0f %9.2f %9.2f %8d%n", mode, producers,
                                r.count / (measure.toMillis() / 1000.0), r.percentile(50), r.percentile(99), r.errors);
                    }
                }
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static Map<String, String> config(String mode) {
        return Map.of(
                "longlink.store.kind", "memory".equals(mode) ? "memory" : "sqlite",
                "longlink.store.sync", "memory".equals(mode) ? "full" : mode,
                "longlink.store.path", UpstreamResource.freshStore().toString(),
                "longlink.connections.bench.url", "ws://localhost:" + UpstreamResource.freePort() + "/bench",
                "longlink.connections.bench.reconnect.max-attempts", "-1",
                "longlink.connections.bench.outbox.capacity", "100000000");
    }

    /** What one run measured: accepted messages, failures and latency samples in nanoseconds. */
    private record Result(long count, long errors, long[] samples) {
        double percentile(int p) {
            if (samples.length == 0) {
                return Double.NaN;
            }
            return samples[Math.min(samples.length - 1, samples.length * p / 100)] / 1e6;
        }
    }

    private static Result run(Vertx vertx, PackagedApp app, int producers, Duration duration) throws Exception {
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setDefaultHost("localhost").setDefaultPort(app.uri("/").getPort())
                        .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(producers));
        long[] samples = new long[MAX_SAMPLES];
        AtomicInteger sampled = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        CountDownLatch done = new CountDownLatch(producers);
        for (int i = 0; i < producers; i++) {
            produce(client, end, samples, sampled, errors, done);
        }
        done.await();
        client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        long[] taken = Arrays.copyOf(samples, Math.min(sampled.get(), MAX_SAMPLES));
        Arrays.sort(taken);
        return new Result(sampled.get(), errors.get(), taken);
    }

    /** One producer: posts, waits for the answer, posts again until {@code end}. */
    private static void produce(HttpClient client, long end, long[] samples, AtomicInteger sampled, AtomicLong errors,
            CountDownLatch done) {
        long start = System.nanoTime();
        if (start >= end) {
            done.countDown();
            return;
        }
        client.request(HttpMethod.POST, PATH)
                .compose(request -> request.putHeader("Content-Type", "text/plain").send(BODY))
                .compose(response -> response.body().map(body -> response.statusCode()))
                .onComplete(result -> {
                    if (result.succeeded() && result.result() == 202) {
                        int index = sampled.getAndIncrement();
                        if (index < MAX_SAMPLES) {
                            samples[index] = System.nanoTime() - start;
                        }
                    } else {
                        errors.incrementAndGet();
                    }
                    produce(client, end, samples, sampled, errors, done);
                });
    }
}
