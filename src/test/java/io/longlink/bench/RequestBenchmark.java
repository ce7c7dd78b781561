package io.longlink.bench;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;

import io.longlink.testing.PackagedApp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * Request and reply round trips ({@code POST /connections/{id}/requests}) beside a bare Quarkus REST POST, in one run
 * on one machine (not a test). It starts a JSON-RPC upstream that answers every request at once (the reply echoes the
 * id), the bare app of {@link SpeedBenchmark}, and the packaged longlink with a connection open to that upstream,
 * once per store ({@code memory}, SQLite {@code normal}: replies go to the inbound log, which is where the store
 * matters). {@code wrk} loads each at 64 connections, the bare POST with 100-byte bodies and longlink with a JSON-RPC
 * request without an id (longlink sets one); the targets alternate rep by rep; the table shows medians of round
 * trips/s, p99, and both against the bare POST of the same run (goal: at least 0.5x its rate, p99 at most 3x).
 *
 * <pre>
 * sudo apt-get install -y wrk
 * ./mvnw -o package -DskipTests
 * ./mvnw -o -q org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.longlink.bench.RequestBenchmark
 * </pre>
 *
 * System properties: {@code bench.seconds} (per run, default 10), {@code bench.reps} (default 3),
 * {@code bench.warmup} (seconds per target before the first rep, default 20), {@code bench.stores} (default
 * {@code memory,normal}; an entry {@code <store>:<key>=<value>;...} runs a variant with those settings, e.g.
 * {@code normal:longlink.connections.bench.requests.log-replies=false}), and as in {@link SpeedBenchmark}:
 * {@code bench.jvm} (JVM options for each longlink, {@code {mode}} replaced by the store's label) and
 * {@code bench.jfr} (a directory: a JFR profile per store).
 */
public final class RequestBenchmark {

    /** A JSON-RPC request without an id: longlink sets a fresh one. */
    static final String REQUEST = "{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[]}";

    private RequestBenchmark() {
    }

    private record Run(double perSecond, double p99Millis, long failed) {
    }

    public static void main(String[] args) throws Exception {
        int seconds = Integer.getInteger("bench.seconds", 10);
        int reps = Integer.getInteger("bench.reps", 3);
        int warmup = Integer.getInteger("bench.warmup", 20);
        Files.createDirectories(SpeedBenchmark.WORK);
        Files.writeString(SpeedBenchmark.WORK.resolve("single.lua"), "wrk.method=\"POST\"\nwrk.body=\""
                + SpeedBenchmark.BODY + "\"\nwrk.headers[\"Content-Type\"]=\"text/plain\"\n");
        Files.writeString(SpeedBenchmark.WORK.resolve("request.lua"), "wrk.method=\"POST\"\nwrk.body='" + REQUEST
                + "'\nwrk.headers[\"Content-Type\"]=\"application/json\"\n");

        Vertx vertx = Vertx.vertx();
        AtomicLong answered = new AtomicLong();
        HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> ws.textMessageHandler(text -> {
            ws.writeTextMessage("{\"jsonrpc\":\"2.0\",\"id\":" + idOf(text) + ",\"result\":\"0x10d4f\"}");
            answered.incrementAndGet();
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        String upstream = "ws://127.0.0.1:" + server.actualPort() + "/rpc";

        List<AutoCloseable> running = new ArrayList<>();
        Map<String, String> urls = new LinkedHashMap<>();
        try {
            Process bare = SpeedBenchmark.BareApp.start();
            running.add(bare::destroyForcibly);
            urls.put("bare Quarkus REST POST", SpeedBenchmark.BareApp.url("/noop"));
            for (String spec : System.getProperty("bench.stores", "memory,normal").split(",")) {
                String mode = spec.split(":", 2)[0];
                Map<String, String> config = SpeedBenchmark.config(mode, upstream);
                String variant = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : "";
                for (String setting : variant.isEmpty() ? new String[0] : variant.split(";")) {
                    config.put(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
                }
                String label = spec.replaceAll("[^A-Za-z0-9.=-]+", "_");
                PackagedApp app = PackagedApp.start("request-" + label, config, SpeedBenchmark.jvmOptions(label));
                running.add(app);
                urls.put("longlink request, " + (mode.equals("memory") ? "memory store" : "SQLite sync=" + mode)
                        + (variant.isEmpty() ? "" : " " + variant),
                        "http://127.0.0.1:" + app.port() + "/connections/bench/requests");
            }
            for (String url : urls.values()) {
                SpeedBenchmark.wrk(url, script(url), 64, warmup);
            }
            Map<String, List<Run>> runs = new LinkedHashMap<>();
            for (int rep = 0; rep < reps; rep++) {
                List<String> order = new ArrayList<>(urls.keySet());
                java.util.Collections.rotate(order, rep);
                for (String name : order) {
                    String url = urls.get(name);
                    runs.computeIfAbsent(name, k -> new ArrayList<>()).add(measure(url, seconds));
                }
            }
            print(runs, reps, seconds, answered.get());
        } finally {
            for (AutoCloseable c : running) {
                c.close();
            }
            vertx.close();
        }
    }

    private static String script(String url) {
        return url.endsWith("/requests") ? "request.lua" : "single.lua";
    }

    /** The digits after {@code "id":} in a request longlink numbered. */
    private static String idOf(String text) {
        int at = text.indexOf("\"id\":");
        if (at < 0) {
            return "null";
        }
        int from = at + 5;
        int to = from;
        while (to < text.length() && (Character.isDigit(text.charAt(to)) || text.charAt(to) == '"')) {
            to++;
        }
        return text.substring(from, to);
    }

    private static Run measure(String url, int seconds) throws Exception {
        String out = SpeedBenchmark.wrk(url, script(url), 64, seconds);
        Matcher rate = SpeedBenchmark.RATE.matcher(out);
        Matcher p99 = SpeedBenchmark.P99.matcher(out);
        if (!rate.find() || !p99.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + out);
        }
        double p99Millis = Double.parseDouble(p99.group(1))
                * switch (p99.group(2)) { case "us" -> 0.001; case "s" -> 1000.0; default -> 1.0; };
        long failed = SpeedBenchmark.group(SpeedBenchmark.NON_2XX, out) + SpeedBenchmark.socketErrors(out);
        return new Run(Double.parseDouble(rate.group(1)), p99Millis, failed);
    }

    private static void print(Map<String, List<Run>> runs, int reps, int seconds, long answered) {
        List<Run> bareRuns = runs.values().iterator().next();
        double bare = median(bareRuns.stream().mapToDouble(Run::perSecond).toArray());
        double bareP99 = median(bareRuns.stream().mapToDouble(Run::p99Millis).toArray());
        System.out.printf("%nRound trips at 64 concurrent callers: wrk -t2 -c64, medians of %d x %d s%n", reps, seconds);
        System.out.printf("| %-40s | %9s | %8s | %6s | %8s | %7s | %-22s |%n", "target", "per s", "p99 ms", "x bare",
                "p99 x", "errors", "each rep: x bare (p99 x)");
        System.out.println("|---|---|---|---|---|---|---|");
        runs.forEach((name, list) -> {
            StringBuilder reps2 = new StringBuilder();
            for (int i = 0; i < list.size(); i++) {
                reps2.append(String.format("%.2f (%.2f) ", list.get(i).perSecond() / bareRuns.get(i).perSecond(),
                        list.get(i).p99Millis() / bareRuns.get(i).p99Millis()));
            }
            double rate = median(list.stream().mapToDouble(Run::perSecond).toArray());
            double p99 = median(list.stream().mapToDouble(Run::p99Millis).toArray());
            System.out.printf("| %-40s | %9.0f | %8.2f | %6.2f | %8.2f | %7d | %-22s |%n", name, rate, p99, rate / bare,
                    p99 / bareP99, list.stream().mapToLong(Run::failed).sum(), reps2.toString().trim());
        });
        System.out.printf("(the upstream answered %d requests)%n", answered);
    }

    private static double median(double[] values) {
        double[] sorted = java.util.Arrays.stream(values).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
