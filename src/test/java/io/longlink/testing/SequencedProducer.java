package io.longlink.testing;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One producer for one connection of a {@link Cluster}: it posts {@code <connection>:<n>} as {@code text/plain} with
 * n = 1, 2, 3..., one request at a time (so acceptance order is the order of n), to the instances it is told in
 * turn, one request per {@code pace}. Every n is posted exactly once, whatever the answer, and its outcome is kept:
 * acknowledged (202), rejected (503 problem+json with {@code Retry-After}: not stored), not sent (the connection
 * was refused: nothing reached the instance), unknown (a timeout or a reset after the request went out: it may
 * have been stored) or unexpected (any other answer, which fails {@link #check}). A producer "retries on 503" by
 * going on with the next number, so every payload is unique and a duplicate on the upstream is always a re-send.
 *
 * <p>{@link #check(UpstreamServer.PathState)} then holds the upstream's record against the outcomes: every
 * acknowledged message arrived; nothing that was rejected or not sent arrived (except a 503
 * {@code store-unavailable}, whose commit the application itself may not know the outcome of; counted); on each
 * socket numbers only grow; first arrivals are in acceptance order across sockets; a duplicate only comes on a
 * later socket than its first copy, before any new message on that socket (the batch in flight re-sent after a
 * reconnect or a takeover).
 */
public final class SequencedProducer implements AutoCloseable {

    /** What became of one posted message. */
    public enum Outcome {
        ACKNOWLEDGED, REJECTED, NOT_SENT, UNKNOWN, UNEXPECTED
    }

    /** One request: its number, where it went, when, and what came back. */
    public record Attempt(long n, String instance, long startedNanos, long endedNanos, Outcome outcome, int status,
            String problemType, String messageId, String detail) {
    }

    /** What {@link #check} found, for printing. */
    public record Report(String connection, long acknowledged, long received, long duplicates,
            long arrivedAfterStoreUnavailable, Map<String, Long> outcomes) {
        @Override
        public String toString() {
            return String.format("%s: %d acknowledged, %d frames received, %d duplicates, %d arrived although "
                    + "answered 503 store-unavailable; outcomes %s", connection, acknowledged, received, duplicates,
                    arrivedAfterStoreUnavailable, outcomes);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final int SHOWN = 20;

    private final Cluster cluster;
    private final String connection;
    private final ScheduledExecutorService scheduler;
    private final Map<Long, Attempt> attempts = new ConcurrentHashMap<>();
    /** The instances posted to, in turn. */
    private volatile List<String> targets;
    /** The next number; touched by the scheduler thread only. */
    private long next = 1;
    /** Which target is next; touched by the scheduler thread only. */
    private int turn;

    private SequencedProducer(Cluster cluster, String connection, List<String> targets) {
        this.cluster = cluster;
        this.connection = connection;
        this.targets = List.copyOf(targets);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "producer-" + connection);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts posting to {@code targets} in turn, a request every {@code pace} (after the previous one ended). */
    public static SequencedProducer start(Cluster cluster, String connection, List<String> targets, Duration pace) {
        SequencedProducer producer = new SequencedProducer(cluster, connection, targets);
        producer.scheduler.scheduleWithFixedDelay(producer::postNext, 0, pace.toMillis(), TimeUnit.MILLISECONDS);
        return producer;
    }

    public String connection() {
        return connection;
    }

    /** From the next request on, posts to these instances in turn. */
    public void target(List<String> instances) {
        targets = List.copyOf(instances);
    }

    public long acknowledged() {
        return attempts.values().stream().filter(a -> a.outcome() == Outcome.ACKNOWLEDGED).count();
    }

    /** Acknowledgements of requests that started at or after {@code nanos} ({@link System#nanoTime()}). */
    public long acknowledgedSince(long nanos) {
        return attempts.values().stream()
                .filter(a -> a.outcome() == Outcome.ACKNOWLEDGED && a.startedNanos() >= nanos).count();
    }

    /** Every request so far, by number. */
    public List<Attempt> attempts() {
        return attempts.values().stream().sorted(Comparator.comparingLong(Attempt::n)).toList();
    }

    /** Requests that started at or after {@code from} and ended before {@code to}. */
    public List<Attempt> attemptsWithin(long from, long to) {
        return attempts().stream().filter(a -> a.startedNanos() >= from && a.endedNanos() < to).toList();
    }

    /** The acknowledged message with the highest number (its message id is in the answer). */
    public Optional<Attempt> lastAcknowledged() {
        return attempts.values().stream().filter(a -> a.outcome() == Outcome.ACKNOWLEDGED)
                .max(Comparator.comparingLong(Attempt::n));
    }

    /** Stops posting; the request in flight finishes first (bounded by the request timeout). */
    @Override
    public void close() throws InterruptedException {
        scheduler.shutdown();
        if (!scheduler.awaitTermination(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
            scheduler.shutdownNow();
        }
    }

    private void postNext() {
        List<String> to = targets;
        String instance = to.get(Math.floorMod(turn++, to.size()));
        long n = next++;
        long started = System.nanoTime();
        try {
            attempts.put(n, answer(n, instance, started, post(instance, n)));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            attempts.put(n, new Attempt(n, instance, started, System.nanoTime(), Outcome.NOT_SENT, -1, null, null,
                    e.toString()));
        } catch (IOException e) {
            attempts.put(n, new Attempt(n, instance, started, System.nanoTime(), Outcome.UNKNOWN, -1, null, null,
                    e.toString()));
        } catch (InterruptedException e) {
            attempts.put(n, new Attempt(n, instance, started, System.nanoTime(), Outcome.UNKNOWN, -1, null, null,
                    "interrupted"));
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // never let the scheduler drop the task silently
            attempts.put(n, new Attempt(n, instance, started, System.nanoTime(), Outcome.UNEXPECTED, -1, null, null,
                    e.toString()));
        }
    }

    private HttpResponse<String> post(String instance, long n) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(cluster.instance(instance).uri(
                "/connections/" + connection + "/messages")).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(connection + ":" + n)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static Attempt answer(long n, String instance, long started, HttpResponse<String> response) {
        long ended = System.nanoTime();
        int status = response.statusCode();
        JsonNode body = parse(response.body());
        if (status == 202 && body != null && body.hasNonNull("id")) {
            return new Attempt(n, instance, started, ended, Outcome.ACKNOWLEDGED, status, null,
                    body.get("id").asText(), null);
        }
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        boolean retryAfter = response.headers().firstValue("Retry-After").isPresent();
        if (status == 503 && contentType.startsWith("application/problem+json") && retryAfter && body != null
                && body.hasNonNull("type")) {
            return new Attempt(n, instance, started, ended, Outcome.REJECTED, status, body.get("type").asText(),
                    null, null);
        }
        if (status == 504 && contentType.startsWith("application/problem+json") && body != null
                && body.path("type").asText().endsWith("/owner-timeout")) {
            // forwarded to an owner that never answered (paused, died): it may have stored the message
            return new Attempt(n, instance, started, ended, Outcome.UNKNOWN, status, body.get("type").asText(), null,
                    null);
        }
        return new Attempt(n, instance, started, ended, Outcome.UNEXPECTED, status, null, null,
                "answered " + status + " " + contentType + (retryAfter ? " with" : " without") + " Retry-After: "
                        + response.body());
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /** Counts of outcomes, rejections by problem type ({@code REJECTED no-owner}). */
    public Map<String, Long> outcomes() {
        return attempts.values().stream().collect(Collectors.groupingBy(a -> a.outcome() == Outcome.REJECTED
                ? "REJECTED " + a.problemType().replaceAll(".*/", "") : a.outcome().name(), TreeMap::new,
                Collectors.counting()));
    }

    /** The acknowledged numbers the upstream path has not received yet (empty once everything arrived). */
    public List<Long> missing(UpstreamServer.PathState path) {
        Set<String> received = new HashSet<>(path.texts());
        return attempts().stream().filter(a -> a.outcome() == Outcome.ACKNOWLEDGED).map(Attempt::n)
                .filter(n -> !received.contains(connection + ":" + n)).toList();
    }

    /** Holds what the upstream path received against the outcomes (see the class doc); fails with the details. */
    public Report check(UpstreamServer.PathState path) {
        String prefix = connection + ":";
        List<UpstreamServer.Received> frames = List.copyOf(path.received);
        List<String> problems = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        Map<Integer, Long> lastOnSocket = new HashMap<>();
        Set<Integer> socketsWithNewMessages = new HashSet<>();
        long lastFirst = 0;
        long duplicates = 0;
        long ambiguous = 0;
        for (UpstreamServer.Received frame : frames) {
            long n;
            try {
                n = frame.text().startsWith(prefix) ? Long.parseLong(frame.text().substring(prefix.length())) : -1;
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) {
                problems.add("a frame that is none of this producer's messages: " + frame.text());
                continue;
            }
            Attempt attempt = attempts.get(n);
            if (attempt == null) {
                problems.add(n + " arrived but was never posted");
            } else if (attempt.outcome() == Outcome.REJECTED) {
                if (attempt.problemType().endsWith("/store-unavailable")) {
                    ambiguous++;
                } else {
                    problems.add(n + " arrived although " + attempt.instance() + " answered 503 "
                            + attempt.problemType() + " (not stored)");
                }
            } else if (attempt.outcome() == Outcome.NOT_SENT) {
                problems.add(n + " arrived although its request never reached " + attempt.instance());
            }
            Long previous = lastOnSocket.put(frame.socket(), n);
            if (previous != null && n <= previous) {
                problems.add(n + " arrived after " + previous + " on socket " + frame.socket());
            }
            if (seen.add(n)) {
                if (n < lastFirst) {
                    problems.add(n + " arrived for the first time after " + lastFirst + " (socket " + frame.socket()
                            + "): out of acceptance order");
                }
                lastFirst = Math.max(lastFirst, n);
                socketsWithNewMessages.add(frame.socket());
            } else {
                duplicates++;
                if (socketsWithNewMessages.contains(frame.socket())) {
                    problems.add(n + " arrived again on socket " + frame.socket() + " after new messages on it: "
                            + "not a re-send of what was in flight");
                }
            }
        }
        List<Long> missing = attempts().stream().filter(a -> a.outcome() == Outcome.ACKNOWLEDGED)
                .map(Attempt::n).filter(n -> !seen.contains(n)).toList();
        if (!missing.isEmpty()) {
            problems.add(0, missing.size() + " acknowledged messages never arrived: " + shown(missing));
        }
        attempts().stream().filter(a -> a.outcome() == Outcome.UNEXPECTED)
                .forEach(a -> problems.add(0, "request " + a.n() + " to " + a.instance() + ": " + a.detail()));
        if (!problems.isEmpty()) {
            throw new AssertionError(connection + ": " + problems.size() + " problems with the delivery (sockets "
                    + path.socketCount() + ", outcomes " + outcomes() + "):\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(SHOWN, problems.size())))
                    + (problems.size() > SHOWN ? "\n  ..." : ""));
        }
        return new Report(connection, acknowledged(), frames.size(), duplicates, ambiguous, outcomes());
    }

    private static String shown(List<Long> numbers) {
        return numbers.subList(0, Math.min(SHOWN, numbers.size())) + (numbers.size() > SHOWN ? " ..." : "");
    }
}
