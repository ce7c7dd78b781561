package io.longlink.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.longlink.testing.PackagedApp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.longlink.testing.UpstreamResource;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;

/**
 * The way in at wire speed, in one run on one machine (not a test). This process is the upstream: it pushes
 * 100-byte text frames ({@code {"t":<nanoTime>,...}}, padded) over each socket as fast as the socket takes them
 * (written off the event loop, so Vert.x flushes them in batches). The reference is a plain Vert.x WebSocket client
 * in this same JVM that only counts frames. Then the packaged longlink, once per store (memory, SQLite
 * {@code sync=normal}, {@code sync=full}), each with two connections to this upstream: {@code bench} and
 * {@code hooked} (with an {@code inbound.webhook.url} to a receiver in this JVM that answers 204 at once). Per store,
 * the throughput phases (1-5) run twice, a warm-up round then the measured one (a 2-core machine gives a phase's
 * first run to the JIT compiling its path), and each phase pushes {@code bench.frames} frames in one burst:
 * <ol>
 * <li>stored: no consumer; the time until the last frame is readable by cursor (and {@code received} counts it);</li>
 * <li>SSE: one reader that follows from the burst's start ({@code Last-Event-ID} = the seq before it, which on a
 * fresh log is 0); its rate and the stored rate beside it;</li>
 * <li>cursor: one reader of {@code GET .../inbound?after=N&limit=1000} pages, back to back;</li>
 * <li>webhook: the receiver's rate on {@code hooked} ({@code inbound.webhook.max-batch} = {@code bench.max-batch});</li>
 * <li>10 SSE readers together: the slowest one's rate, and the stored rate beside them;</li>
 * <li>latency: {@code bench.rate} frames/s for {@code bench.latency-seconds} s on {@code hooked}, one SSE reader
 * and the webhook on it: upstream write to SSE event, and to the webhook POST, p50/p99/max (same clock: this
 * JVM's {@code nanoTime}); run twice too, as the JIT compiled the paced path's code for most of the first run.</li>
 * </ol>
 * Every phase prints the longlink process's CPU per frame, its busiest threads and its RSS after the phase, and this
 * JVM's CPU per frame (upstream and readers share the two cores with longlink, so its readers look at bytes, never
 * a String per line); the cursor reader prints its round trips in order. The warm-up round ends with 2 000 cursor
 * pages, so that the JIT compiled that request's path. Rates are divided by the reference measured just before that
 * store's phases. Every reader checks that seqs come gapless.
 *
 * <pre>
 * ./mvnw -o package -DskipTests
 * ./mvnw -o -q org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.longlink.bench.InboundBenchmark
 * </pre>
 *
 * System properties: {@code bench.frames} (per burst, default 200000), {@code bench.stores} (default
 * {@code memory,normal,full}), {@code bench.max-batch} (the webhook's, default 1000), {@code bench.rate} and
 * {@code bench.latency-seconds} (default 5000 and 10), {@code bench.readers} (default 10), and as in
 * {@link SpeedBenchmark}: {@code bench.jvm}, {@code bench.jfr}, {@code bench.asprof} with {@code bench.profile}
 * (each phase of each store profiled into {@code <dir>/<store>-<phase>.collapsed}), {@code bench.perf} (a directory:
 * {@code perf record} of each phase instead, {@code <dir>/<store>-<phase>.perf.data}, for the native executable),
 * {@code bench.app.<key>}.
 */
public final class InboundBenchmark {

    private static final Pattern NEXT = Pattern.compile("\"next\":(\\d+)");
    private static final Pattern RECEIVED = Pattern.compile("\"received\":(\\d+)");
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");
    /** The upstream's send time inside a frame, as it appears escaped in SSE and webhook JSON. */
    private static final Pattern SENT = Pattern.compile("\\\\\"t\\\\\":(\\d+)");
    private static final int FRAME_BYTES = 100;

    private static final int FRAMES = Integer.getInteger("bench.frames", 200_000);
    private static final int MAX_BATCH = Integer.getInteger("bench.max-batch", 1000);
    private static final int RATE = Integer.getInteger("bench.rate", 5000);
    private static final int LATENCY_SECONDS = Integer.getInteger("bench.latency-seconds", 10);
    private static final int READERS = Integer.getInteger("bench.readers", 10);

    private final Vertx vertx = Vertx.vertx();
    private final Upstream upstream = new Upstream(vertx);
    private final WebhookSink webhook = new WebhookSink(vertx);
    private final HttpClient http = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(4 + READERS));
    private final List<String> table = new ArrayList<>();

    private InboundBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        InboundBenchmark bench = new InboundBenchmark();
        try {
            bench.run();
        } finally {
            bench.vertx.close();
        }
    }

    private void run() throws Exception {
        upstream.start();
        webhook.start();
        System.out.printf("inbound benchmark: %d frames of %d bytes per burst, load %s%n", FRAMES, FRAME_BYTES,
                loadAverage());
        // warm the reference (and this JVM's upstream) first
        reference();
        for (String store : System.getProperty("bench.stores", "memory,normal,full").split(",")) {
            double reference = reference();
            table.add(String.format("| plain Vert.x client (reference, before %s) | %,.0f | 1.00 | | | | |", store,
                    reference));
            runStore(store, reference);
        }
        System.out.printf("%nload after: %s%n%n", loadAverage());
        System.out.println("| store: phase | frames/s | x reference | x stored | p99 ms | CPU us/frame | RSS MiB |");
        System.out.println("|---|---|---|---|---|---|---|");
        table.forEach(System.out::println);
    }

    /** The plain client: frames per second from the first write to the last frame counted. */
    private double reference() throws Exception {
        AtomicLong count = new AtomicLong();
        CompletableFuture<Void> all = new CompletableFuture<>();
        WebSocketClient client = vertx.createWebSocketClient();
        WebSocket ws = client.connect(upstream.port, "127.0.0.1", "/reference").toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        ws.textMessageHandler(t -> {
            if (count.incrementAndGet() == FRAMES) {
                all.complete(null);
            }
        });
        upstream.awaitSockets("/reference", 1);
        long started = System.nanoTime();
        upstream.push("/reference", FRAMES);
        all.get(120, TimeUnit.SECONDS);
        double rate = FRAMES / ((System.nanoTime() - started) / 1e9);
        ws.close();
        client.close();
        System.out.printf("reference (plain Vert.x WebSocket client, same JVM): %,.0f frames/s%n", rate);
        return rate;
    }

    private void runStore(String store, double reference) throws Exception {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("longlink.store.kind", store.equals("memory") ? "memory" : "sqlite");
        config.put("longlink.store.sync", store.equals("full") ? "full" : "normal");
        config.put("longlink.store.path", UpstreamResource.freshStore().toString());
        for (String id : List.of("bench", "hooked")) {
            config.put("longlink.connections." + id + ".url", upstream.url("/" + id));
            // keep every frame of a phase readable: a reader that falls behind must not be skipped forward. The
            // memory store keeps one burst (it holds them on its heap: with the whole run, its latency phase timed
            // young collections copying a million frames); the file keeps the run (with one burst, upkeep would
            // prune a backlog of millions of rows in the latency phase, which a steady feed never has)
            config.put("longlink.connections." + id + ".inbound.retain",
                    store.equals("memory") ? Integer.toString(FRAMES) : "100000000");
            config.put("longlink.connections." + id + ".heartbeat.interval", "60s");
        }
        config.put("longlink.connections.hooked.inbound.webhook.url", webhook.url());
        config.put("longlink.connections.hooked.inbound.webhook.max-batch", Integer.toString(MAX_BATCH));
        config.put("quarkus.log.console.level", "WARN");
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.app."))
                .forEach(k -> config.put(k.substring("bench.app.".length()), System.getProperty(k)));
        webhook.reset();
        try (PackagedApp app = PackagedApp.start("inbound-" + store, config, SpeedBenchmark.jvmOptions(store))) {
            Longlink ll = new Longlink(store, app);
            upstream.awaitSockets("/bench", 1);
            upstream.awaitSockets("/hooked", 1);
            // warm-up: every phase once, unrecorded, so that the JIT of longlink (and of this JVM's readers) has
            // compiled every path before the measured round; else a phase pays for compiling its own path
            phases(ll, reference, false);
            phases(ll, reference, true);
            ll.latency(false);
            ll.latency(true);
        }
    }

    /** One round of the throughput phases; {@code record}: their rows go into the table. */
    private void phases(Longlink ll, double reference, boolean record) throws Exception {
        String store = ll.store;
        String round = record ? "" : "warm-up ";
        List<String> rows = record ? table : new ArrayList<>();
        double stored = ll.burst(round + "stored", null, List::of).stored();
        row(rows, store + ": stored", stored, reference, Double.NaN, ll.last);

        Phase sse = ll.burst(round + "sse", null, () -> List.of(sse(ll.port(), "bench", ll.stored("bench"))));
        row(rows, store + ": stored beside 1 SSE reader", sse.stored(), reference, stored, ll.last);
        row(rows, store + ": 1 SSE reader from the start", sse.slowest(), reference, sse.stored(), ll.last);

        Phase cursor = ll.burst(round + "cursor", null, () -> List.of(cursor(ll.port(), ll.stored("bench"))));
        row(rows, store + ": cursor reader, limit=1000", cursor.slowest(), reference, cursor.stored(), ll.last);

        Phase hook = ll.burst(round + "webhook", "hooked",
                () -> List.of(webhook.until(ll.stored("hooked") + FRAMES)));
        row(rows, store + ": webhook, max-batch " + MAX_BATCH, hook.slowest(), reference, hook.stored(), ll.last);

        Phase many = ll.burst(round + "sse-" + READERS, null, () -> {
            List<CompletableFuture<Long>> readers = new ArrayList<>();
            long from = ll.stored("bench");
            for (int i = 0; i < READERS; i++) {
                readers.add(sse(ll.port(), "bench", from));
            }
            return readers;
        });
        row(rows, store + ": stored beside " + READERS + " SSE readers", many.stored(), reference, stored, ll.last);
        row(rows, store + ": slowest of " + READERS + " SSE readers", many.slowest(), reference, many.stored(),
                ll.last);
        if (!record) {
            // a burst's 200 pages leave the cursor's request path interpreted or in C1 (a JVM's JIT wants thousands):
            // a service that is read all day has it compiled, so the warm-up reads the burst again, ten times over
            long newest = ll.stored("bench");
            for (int i = 0; i < 10 * FRAMES / 1000; i++) {
                get(ll.port(), "/connections/bench/inbound?limit=1000&after=" + (newest - FRAMES + i % (FRAMES / 1000)
                        * 1000L));
            }
        }
    }

    /** A longlink under test, and what its last phase cost. */
    private final class Longlink {
        final String store;
        final PackagedApp app;
        /** CPU per frame and RSS of the last phase. */
        Cost last;
        // not copy-on-write lists: each add copied all before it, 5 GB of copying in this JVM over the phase, and its
        // GC pauses showed up as latency
        final List<Long> sseLatencies = Collections.synchronizedList(new ArrayList<>(RATE * LATENCY_SECONDS));
        final List<Long> hookLatencies = Collections.synchronizedList(new ArrayList<>(RATE * LATENCY_SECONDS));

        Longlink(String store, PackagedApp app) {
            this.store = store;
            this.app = app;
        }

        int port() {
            return app.port();
        }

        /** Seq of the newest stored message of a connection, once everything it received is stored. */
        long stored(String id) throws Exception {
            long received = received(id);
            while (received > 0 && !SEQ.matcher(get("/connections/" + id + "/inbound?limit=1&after=" + (received - 1)))
                    .find()) {
                TimeUnit.MILLISECONDS.sleep(5);
            }
            return received;
        }

        long received(String id) throws Exception {
            Matcher m = RECEIVED.matcher(get("/connections/" + id));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        }

        /**
         * Pushes a burst to {@code id} (null: bench) with the readers {@code start} makes, and returns the stored rate
         * and the readers' rates.
         */
        Phase burst(String name, String id, ReaderStart start) throws Exception {
            String connection = id == null ? "bench" : id;
            long before = stored(connection);
            long receivedBefore = received(connection);
            List<CompletableFuture<Long>> readers = start.start();
            long cpu = SpeedBenchmark.cpuTicks(app.pid());
            long own = SpeedBenchmark.cpuTicks(ProcessHandle.current().pid());
            Map<String, Long> threads = SpeedBenchmark.threadTicks(app.pid());
            SpeedBenchmark.profiler(app.pid(), "start -e cpu -i 1000000 --threads");
            LocalTime wallStart = LocalTime.now();
            long started = System.nanoTime();
            upstream.push("/" + connection, FRAMES);
            long target = before + FRAMES;
            long storedAt = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (storedAt == 0 && System.nanoTime() < deadline) {
                String body = get("/connections/" + connection + "/inbound?limit=1&after=" + (target - 1));
                if (SEQ.matcher(body).find()) {
                    storedAt = System.nanoTime();
                } else {
                    TimeUnit.MILLISECONDS.sleep(2);
                }
            }
            double[] rates = new double[readers.size()];
            for (int i = 0; i < readers.size(); i++) {
                rates[i] = FRAMES / ((readers.get(i).get(300, TimeUnit.SECONDS) - started) / 1e9);
            }
            long ended = System.nanoTime();
            String profile = SpeedBenchmark.profiler(app.pid(), "stop -o collapsed -f "
                    + System.getProperty("bench.profile", "target") + "/" + store + "-" + name.replace(' ', '-') + ".collapsed");
            last = new Cost((SpeedBenchmark.cpuTicks(app.pid()) - cpu) * 10_000.0 / FRAMES,
                    app.residentBytes() / (1024.0 * 1024.0));
            long received = received(connection) - receivedBefore;
            if (storedAt == 0 || received != FRAMES) {
                throw new IllegalStateException(name + ": " + received + " frames counted as received, "
                        + (storedAt == 0 ? "the last not stored" : "the last stored") + "; expected " + FRAMES);
            }
            double stored = FRAMES / ((storedAt - started) / 1e9);
            double ownMicros = (SpeedBenchmark.cpuTicks(ProcessHandle.current().pid()) - own) * 10_000.0 / FRAMES;
            System.out.printf("%s %s: stored %,.0f frames/s, readers %s frames/s, %.1f s in all (%s to %s), CPU %.1f"
                    + " us/frame (this JVM: upstream, readers %.1f), RSS %.0f MiB%s%n", store, name, stored,
                    Arrays.toString(Arrays.stream(rates).mapToLong(Math::round).toArray()), (ended - started) / 1e9,
                    wallStart, LocalTime.now(), last.cpuMicros(), ownMicros, last.rssMib(),
                    profile == null ? "" : ", profiled");
            System.out.printf("  busiest threads: %s%n", SpeedBenchmark.busiest(threads,
                    SpeedBenchmark.threadTicks(app.pid()), 6));
            return new Phase(stored, rates);
        }

        /** Frames at a steady rate on {@code hooked}, one SSE reader and the webhook on it: latencies. */
        void latency(boolean record) throws Exception {
            sseLatencies.clear();
            hookLatencies.clear();
            long from = stored("hooked");
            int count = RATE * LATENCY_SECONDS;
            CompletableFuture<Long> reader = sse(app.port(), "hooked", from, sseLatencies);
            CompletableFuture<Long> hook = webhook.until(from + count, hookLatencies);
            long cpu = SpeedBenchmark.cpuTicks(app.pid());
            Map<String, Long> threads = SpeedBenchmark.threadTicks(app.pid());
            String round = record ? "" : " (warm-up)";
            System.out.printf("%s latency phase%s from %s%n", store, round, LocalTime.now());
            upstream.paced("/hooked", count, RATE);
            awaitAll("the SSE reader", reader, from + count);
            awaitAll("the webhook receiver", hook, from + count);
            System.out.printf("  busiest threads: %s%n", SpeedBenchmark.busiest(threads,
                    SpeedBenchmark.threadTicks(app.pid()), 6));
            last = new Cost((SpeedBenchmark.cpuTicks(app.pid()) - cpu) * 10_000.0 / count,
                    app.residentBytes() / (1024.0 * 1024.0));
            double[] sse = percentiles(sseLatencies);
            double[] hooks = percentiles(hookLatencies);
            System.out.printf("%s latency%s, worst per second (ms): SSE %s; webhook %s%n", store, round,
                    worstPerSecond(sseLatencies), worstPerSecond(hookLatencies));
            System.out.printf("%s latency%s at %d frames/s for %d s: SSE p50 %.2f p99 %.2f max %.2f ms; webhook p50"
                    + " %.2f p99 %.2f max %.2f ms; CPU %.1f us/frame%n", store, round, RATE, LATENCY_SECONDS, sse[0],
                    sse[1], sse[2], hooks[0], hooks[1], hooks[2], last.cpuMicros());
            if (!record) {
                return;
            }
            table.add(String.format("| %s: %d frames/s, upstream to SSE event | | | | %.2f (p50 %.2f, max %.2f) | %.1f | %.0f |",
                    store, RATE, sse[1], sse[0], sse[2], last.cpuMicros(), last.rssMib()));
            table.add(String.format("| %s: %d frames/s, upstream to webhook POST | | | | %.2f (p50 %.2f, max %.2f) | | |",
                    store, RATE, hooks[1], hooks[0], hooks[2]));
        }

        private String get(String path) throws Exception {
            return InboundBenchmark.this.get(app.port(), path);
        }

        /** Waits for a reader of the latency phase; if it never gets everything, says what longlink holds. */
        private void awaitAll(String reader, CompletableFuture<Long> done, long last) throws Exception {
            try {
                done.get(120, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException(reader + " did not get every frame up to seq " + last + " in 120 s;"
                        + " hooked: " + get("/connections/hooked") + "; newest stored: "
                        + get("/connections/hooked/inbound?limit=1&after=" + (last - 1)), e);
            }
        }
    }

    @FunctionalInterface
    private interface ReaderStart {
        List<CompletableFuture<Long>> start() throws Exception;
    }

    /** What a burst measured: the stored rate and each reader's rate. */
    private record Phase(double stored, double[] readers) {
        double slowest() {
            return Arrays.stream(readers).min().orElse(Double.NaN);
        }
    }

    private record Cost(double cpuMicros, double rssMib) {
    }

    private static void row(List<String> rows, String name, double rate, double reference, double stored,
            Cost cost) {
        rows.add(String.format("| %s | %,.0f | %.2f | %s | | %.1f | %.0f |", name, rate, rate / reference,
                Double.isNaN(stored) ? "" : String.format("%.2f", rate / stored), cost.cpuMicros(), cost.rssMib()));
    }

    private CompletableFuture<Long> sse(int port, String id, long after) {
        return sse(port, id, after, null);
    }

    /**
     * An SSE reader of {@code id} from {@code Last-Event-ID: after}; completes with the {@code nanoTime} at which it
     * had {@link #FRAMES} events (or {@code count} from the latency list's phase), checking that ids follow on.
     */
    private CompletableFuture<Long> sse(int port, String id, long after, List<Long> latencies) {
        long wanted = latencies == null ? FRAMES : (long) RATE * LATENCY_SECONDS;
        CompletableFuture<Long> done = new CompletableFuture<>();
        AtomicLong expected = new AtomicLong(after + 1);
        http.request(new RequestOptions().setMethod(HttpMethod.GET).setPort(port).setHost("127.0.0.1")
                .setURI("/connections/" + id + "/inbound/stream").putHeader("Accept", "text/event-stream")
                .putHeader("Last-Event-ID", Long.toString(after)))
                .compose(r -> r.send())
                .onSuccess(response -> response.handler(new Handler<Buffer>() {
                    /** The start of a line that the last chunk cut. */
                    private byte[] carried = new byte[0];

                    // bytes, not a String per line (nor RecordParser's Buffer per line): ten readers that decoded
                    // every line cost this JVM, on the same two cores as longlink, more than they cost longlink
                    @Override
                    public void handle(Buffer chunk) {
                        ByteBuf bytes = carried.length == 0 ? chunk.getByteBuf()
                                : Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(carried), chunk.getByteBuf());
                        int at = bytes.readerIndex();
                        int end = bytes.writerIndex();
                        for (int lf = bytes.indexOf(at, end, (byte) '\n'); lf >= 0 && !done.isDone();
                                lf = bytes.indexOf(at, end, (byte) '\n')) {
                            line(bytes, at, lf);
                            at = lf + 1;
                        }
                        carried = new byte[end - at];
                        bytes.getBytes(at, carried);
                    }

                    private void line(ByteBuf bytes, int from, int to) {
                        byte first = from == to ? 0 : bytes.getByte(from);
                        if (first == 'i' && to - from > 3 && bytes.getByte(from + 2) == ':') {
                            long seq = 0;
                            for (int i = from + 3; i < to; i++) {
                                seq = seq * 10 + (bytes.getByte(i) - '0');
                            }
                            if (seq != expected.getAndIncrement()) {
                                done.completeExceptionally(new IllegalStateException("SSE gap: " + seq + " after "
                                        + (expected.get() - 2)));
                            }
                        } else if (first == 'd') {
                            if (latencies != null) {
                                Matcher m = SENT.matcher(bytes.toString(from, to - from, StandardCharsets.UTF_8));
                                if (m.find()) {
                                    latencies.add(System.nanoTime() - Long.parseLong(m.group(1)));
                                }
                            }
                            if (expected.get() - 1 - after >= wanted) {
                                done.complete(System.nanoTime());
                                response.request().connection().close();
                            }
                        }
                    }
                }))
                .onFailure(done::completeExceptionally);
        return done;
    }

    /**
     * A cursor reader from {@code after}, {@code limit=1000} pages back to back, until it read a burst; prints its
     * round trips. It reads {@code next} from the page's end and the first seq from its start, as a page is written.
     */
    private CompletableFuture<Long> cursor(int port, long after) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                long next = after;
                int pages = 0;
                List<Long> trips = new ArrayList<>();
                long waited = 0;
                long longest = 0;
                while (next < after + FRAMES) {
                    long asked = System.nanoTime();
                    Buffer page = http.request(HttpMethod.GET, port, "127.0.0.1",
                            "/connections/bench/inbound?limit=1000&after=" + next)
                            .compose(r -> r.send().compose(response -> response.body()))
                            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                    long took = System.nanoTime() - asked;
                    trips.add(took);
                    pages++;
                    waited += took;
                    longest = Math.max(longest, took);
                    String tail = page.getString(Math.max(0, page.length() - 40), page.length());
                    Matcher m = NEXT.matcher(tail);
                    if (!m.find()) {
                        throw new IllegalStateException("unexpected page: " + page);
                    }
                    long read = Long.parseLong(m.group(1));
                    Matcher first = SEQ.matcher(page.getString(0, Math.min(page.length(), 40)));
                    if (read > next && (!first.find() || Long.parseLong(first.group(1)) != next + 1)) {
                        throw new IllegalStateException("cursor gap after " + next);
                    }
                    next = read;
                }
                double[] p = percentiles(trips);
                System.out.printf("  cursor: %d pages, round trip mean %.2f ms, p50 %.2f ms, p99 %.2f ms, max %.2f ms"
                        + "; in order: %s%n", pages, waited / 1e6 / pages, p[0], p[1], longest / 1e6,
                        trips.stream().map(t -> Long.toString(t / 1_000_000)).collect(Collectors.joining(" ")));
                done.complete(System.nanoTime());
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        }, "cursor-reader");
        reader.start();
        return done;
    }

    private String get(int port, String path) throws Exception {
        return http.request(HttpMethod.GET, port, "127.0.0.1", path)
                .compose(r -> r.send().compose(response -> response.body()))
                .map(Buffer::toString).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** The largest latency of each second's frames, in milliseconds (frames arrive in order, {@code RATE} a second). */
    private static String worstPerSecond(List<Long> nanos) {
        StringBuilder worst = new StringBuilder();
        for (int from = 0; from < nanos.size(); from += RATE) {
            long max = 0;
            for (int i = from; i < Math.min(nanos.size(), from + RATE); i++) {
                max = Math.max(max, nanos.get(i));
            }
            worst.append(worst.length() == 0 ? "" : " ").append(Math.round(max / 1e6));
        }
        return worst.toString();
    }

    private static double[] percentiles(List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return new double[] { Double.NaN, Double.NaN, Double.NaN };
        }
        return new double[] { sorted[sorted.length / 2] / 1e6, sorted[(int) Math.min(sorted.length - 1,
                Math.ceil(sorted.length * 0.99) - 1)] / 1e6, sorted[sorted.length - 1] / 1e6 };
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** The frame with this send time and number, padded to {@link #FRAME_BYTES}. */
    static String frame(long sentNanos, long number) {
        String head = "{\"t\":" + sentNanos + ",\"n\":" + number + ",\"p\":\"";
        return head + "x".repeat(Math.max(0, FRAME_BYTES - head.length() - 2)) + "\"}";
    }

    /** The upstream: a WebSocket server that pushes frames on every socket of a path. */
    private static final class Upstream {
        private final Vertx vertx;
        private final Map<String, List<ServerWebSocket>> sockets = new ConcurrentHashMap<>();
        int port;

        Upstream(Vertx vertx) {
            this.vertx = vertx;
        }

        void start() throws Exception {
            HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> {
                List<ServerWebSocket> open = sockets.computeIfAbsent(ws.path(), p -> new CopyOnWriteArrayList<>());
                open.add(ws);
                ws.closeHandler(v -> open.remove(ws));
                ws.textMessageHandler(t -> {
                });
            }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
            port = server.actualPort();
        }

        String url(String path) {
            return "ws://127.0.0.1:" + port + path;
        }

        void awaitSockets(String path, int count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sockets.getOrDefault(path, List.of()).size() < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no socket on " + path);
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }

        private ServerWebSocket newest(String path) {
            List<ServerWebSocket> open = sockets.get(path);
            return open.get(open.size() - 1);
        }

        /** Writes {@code count} frames on the path's socket as fast as it takes them (from this thread). */
        void push(String path, int count) throws InterruptedException {
            ServerWebSocket ws = newest(path);
            Semaphore drained = new Semaphore(0);
            ws.drainHandler(v -> drained.release());
            for (int i = 0; i < count; i++) {
                while (ws.writeQueueFull()) {
                    drained.tryAcquire(10, TimeUnit.MILLISECONDS);
                }
                ws.writeTextMessage(frame(System.nanoTime(), i));
            }
        }

        /** Writes {@code count} frames at {@code rate} per second, each stamped when written. */
        void paced(String path, int count, int rate) throws InterruptedException {
            ServerWebSocket ws = newest(path);
            long started = System.nanoTime();
            CompletableFuture<Void> done = new CompletableFuture<>();
            AtomicLong written = new AtomicLong();
            vertx.setPeriodic(1, timer -> {
                long due = Math.min(count, (System.nanoTime() - started) * rate / 1_000_000_000L + 1);
                while (written.get() < due) {
                    ws.writeTextMessage(frame(System.nanoTime(), written.getAndIncrement()));
                }
                if (written.get() >= count) {
                    vertx.cancelTimer(timer);
                    done.complete(null);
                }
            });
            try {
                done.get(LATENCY_SECONDS * 3L, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The webhook receiver: answers 204 at once, checks seqs follow on, notes latencies when asked. */
    private static final class WebhookSink {
        private final Vertx vertx;
        private int port;
        private final AtomicLong lastSeq = new AtomicLong();
        private volatile long target = Long.MAX_VALUE;
        private volatile CompletableFuture<Long> done = new CompletableFuture<>();
        private volatile List<Long> latencies;

        WebhookSink(Vertx vertx) {
            this.vertx = vertx;
        }

        void start() throws Exception {
            HttpServer server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
                long now = System.nanoTime();
                String text = body.toString(StandardCharsets.UTF_8);
                Matcher seqs = SEQ.matcher(text);
                while (seqs.find()) {
                    long seq = Long.parseLong(seqs.group(1));
                    long last = lastSeq.get();
                    if (seq > last + 1) {
                        done.completeExceptionally(new IllegalStateException("webhook gap: " + seq + " after " + last));
                    }
                    lastSeq.set(Math.max(last, seq));
                }
                List<Long> noted = latencies;
                if (noted != null) {
                    Matcher sent = SENT.matcher(text);
                    while (sent.find()) {
                        noted.add(now - Long.parseLong(sent.group(1)));
                    }
                }
                request.response().setStatusCode(204).end();
                if (lastSeq.get() >= target) {
                    done.complete(now);
                }
            })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
            port = server.actualPort();
        }

        String url() {
            return "http://127.0.0.1:" + port + "/hook";
        }

        /** A new longlink: its seqs start again. */
        void reset() {
            lastSeq.set(0);
        }

        CompletableFuture<Long> until(long seq) {
            return until(seq, null);
        }

        /** Completes with the {@code nanoTime} at which the receiver had every seq up to {@code seq}. */
        CompletableFuture<Long> until(long seq, List<Long> noted) {
            latencies = noted;
            done = new CompletableFuture<>();
            target = seq;
            if (lastSeq.get() >= seq) {
                done.complete(System.nanoTime());
            }
            return done;
        }
    }
}
