package io.longlink.bench;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.session.JsonScan;

/**
 * What the sequence check costs per inbound frame (not a test): the two pointer scans {@code FeedSequence} makes
 * ({@code inbound.sequence.pointer=/u}, {@code inbound.sequence.scope=/s}) on exchange-style depth updates of about
 * 100 and about 600 bytes, against a full Jackson parse of the same frames for comparison. A plain timed loop, no
 * JMH: medians of several rounds, each over a million frames after a warm-up.
 *
 * <pre>
 * ./mvnw -o -q test-compile
 * ./mvnw -o -q org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.longlink.bench.FeedSequenceBenchmark
 * </pre>
 */
public final class FeedSequenceBenchmark {

    private static final int FRAMES = 1_000_000;
    private static final int ROUNDS = 7;
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        JsonScan sequence = JsonScan.of("/u");
        JsonScan scope = JsonScan.of("/s");
        for (int levels : new int[] { 1, 12 }) {
            List<String> frames = frames(levels);
            int bytes = frames.get(0).length();
            double scan = median(() -> {
                long sum = 0;
                for (int i = 0; i < FRAMES; i++) {
                    String text = frames.get(i & 1023);
                    sum += sequence.longIn(text) + scope.valueIn(text).length();
                }
                return sum;
            });
            double parse = median(() -> {
                long sum = 0;
                for (int i = 0; i < FRAMES; i++) {
                    JsonNode node = JSON.readTree(frames.get(i & 1023));
                    sum += node.at("/u").asLong() + node.at("/s").asText().length();
                }
                return sum;
            });
            System.out.printf("frame of %d bytes: pointer scans (sequence + scope) %.0f ns/frame; full Jackson parse"
                    + " %.0f ns/frame (%.1fx)%n", bytes, scan, parse, parse / scan);
        }
        System.out.printf("cores %d, load average %s%n", Runtime.getRuntime().availableProcessors(),
                java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
    }

    /** Depth updates as an exchange sends them: the sequence and symbol first, then {@code levels} bid/ask levels. */
    private static List<String> frames(int levels) {
        List<String> frames = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            StringBuilder book = new StringBuilder();
            for (int l = 0; l < levels; l++) {
                book.append(l == 0 ? "" : ",").append("[\"").append(30000 + l).append(".10\",\"0.").append(l + i)
                        .append("\"]");
            }
            frames.add("{\"e\":\"depthUpdate\",\"E\":1733560000" + i + ",\"s\":\"SYM" + (i % 8) + "\",\"U\":" + (i * 10)
                    + ",\"b\":[" + book + "],\"a\":[" + book + "],\"u\":" + (i * 10 + 9) + "}");
        }
        return frames;
    }

    private interface Round {
        long run() throws Exception;
    }

    /** Median nanoseconds per frame over {@link #ROUNDS} rounds, after two warm-up rounds. */
    private static double median(Round round) throws Exception {
        long sink = 0;
        for (int i = 0; i < 2; i++) {
            sink += round.run();
        }
        double[] perFrame = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            long start = System.nanoTime();
            sink += round.run();
            perFrame[i] = (System.nanoTime() - start) / (double) FRAMES;
        }
        if (sink == 42) {
            System.out.println();
        }
        java.util.Arrays.sort(perFrame);
        return perFrame[ROUNDS / 2];
    }
}
