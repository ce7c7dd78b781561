package io.longlink;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.longlink.testing.Cluster;
import io.longlink.testing.PostgresServer;
import io.longlink.testing.SequencedProducer;
import io.longlink.testing.SequencedProducer.Attempt;
import io.longlink.testing.SequencedProducer.Outcome;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.vertx.core.Vertx;

/**
 * Cluster mode on the packaged app ("Cluster mode" in DESIGN.md, issue 16): two instances as child processes on one
 * real PostgreSQL started by the test, real upstream WebSocket servers, producers that number their messages per
 * connection ({@link SequencedProducer}) and an upstream that records which socket every frame came on and how long
 * two sockets of one connection were open at once ({@link UpstreamServer.PathState}). Leases are short
 * ({@link #LEASE_TTL}, renewed every {@link #RENEW_INTERVAL}) so takeovers happen within seconds.
 *
 * <p>Each test has its own database and instances, so a test that fails leaves nothing behind for the next. Every
 * test ends with the same delivery check: every acknowledged message reached its upstream, in acceptance order,
 * nothing rejected arrived, duplicates only as re-sends on a new socket (counted and printed).
 */
class ClusterIT {

    private static final Duration LEASE_TTL = Duration.ofSeconds(3);
    private static final Duration RENEW_INTERVAL = Duration.ofSeconds(1);
    /** DESIGN.md: an owner that dies is replaced within lease-ttl + 2 s. */
    private static final Duration TAKEOVER_BOUND = LEASE_TTL.plusSeconds(2);
    /** Longest wait for anything; assertions on measured times are made separately, with the figures. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Delay between two posts of one producer. */
    private static final Duration PACE = Duration.ofMillis(20);
    private static final Duration POLL = Duration.ofMillis(50);

    private static PostgresServer postgres;
    private static Vertx vertx;
    private static UpstreamServer upstream;

    private final List<SequencedProducer> producers = new ArrayList<>();
    private Cluster cluster;

    @BeforeAll
    static void startPostgresAndUpstream() throws Exception {
        assertTrue(PostgresServer.available(), "PostgreSQL binaries not installed (Debian package postgresql; .ci/run installs it)");
        postgres = PostgresServer.start("cluster-it");
        vertx = Vertx.vertx();
        upstream = new UpstreamServer(vertx, "127.0.0.1", UpstreamResource.freePort()).start();
    }

    @AfterAll
    static void stopPostgresAndUpstream() throws Exception {
        if (upstream != null) {
            upstream.close();
            vertx.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @AfterEach
    void stopProducersAndInstances() throws Exception {
        for (SequencedProducer producer : producers) {
            producer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (!postgres.isRunning()) {
            postgres.start();
        }
    }

    @Test
    void tenConnectionsSpreadOverTwoInstancesAndEveryAcknowledgedMessageArrivesInOrder() throws Exception {
        List<String> connections = ids("spread", 10);
        cluster = start("spread", List.of("a", "b"), connections);
        awaitOwnedAndOpen(connections);
        await("both instances own some of the 10 connections, none more than its fair share + 1")
                .atMost(PATIENCE).pollInterval(POLL).untilAsserted(() -> {
                    Map<String, Long> owned = owners(connections).values().stream()
                            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                    assertEquals(Set.of("a", "b"), owned.keySet(), "owners " + owners(connections));
                    assertTrue(owned.values().stream().allMatch(count -> count <= 6), "owners " + owners(connections));
                });
        await("a and b report the same owner for every connection").atMost(PATIENCE).pollInterval(POLL)
                .untilAsserted(() -> {
                    for (String id : connections) {
                        assertEquals(cluster.owner("a", id), cluster.owner("b", id), id + ": owner on a and on b");
                    }
                });
        System.out.println("owners: " + owners(connections));

        connections.forEach(id -> produce(id, List.of("a", "b")));
        await("60 messages acknowledged per connection").atMost(Duration.ofSeconds(60)).pollInterval(POLL)
                .until(() -> producers.stream().allMatch(p -> p.acknowledged() >= 60));
        stopProducers();
        assertEverythingDelivered();
        assertNeverTwoSocketsLongerThanTheLease(connections);

        // the state of a message is the same whichever instance is asked
        for (SequencedProducer producer : producers) {
            Attempt last = producer.lastAcknowledged().orElseThrow();
            for (String instance : cluster.ids()) {
                await(producer.connection() + " message " + last.messageId() + " SENT, asked on " + instance)
                        .atMost(PATIENCE).pollInterval(POLL)
                        .until(() -> messageState(instance, producer.connection(), last.messageId()), is("SENT"));
            }
        }

        // a connection created over HTTP on one instance is everybody's: owned somewhere, driven from anywhere
        String runtime = "runtime-one";
        UpstreamServer.PathState first = upstream.path("/" + runtime);
        UpstreamServer.PathState second = upstream.path("/" + runtime + "-v2");
        var created = given().contentType("application/json")
                .body("{\"url\":\"" + upstream.url("/" + runtime) + "\",\"reconnect\":{\"initial-delay\":\"100ms\"}}")
                .put(cluster.instance("a").uri("/connections/" + runtime));
        assertEquals(201, created.statusCode(), created.asString());
        await(runtime + " known to b and owned").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> cluster.owner("b", runtime) != null);
        await(runtime + " open on its upstream").atMost(PATIENCE).pollInterval(POLL).until(() -> first.openSockets() == 1);
        var sent = given().contentType("text/plain").body("hello runtime")
                .post(cluster.instance("b").uri("/connections/" + runtime + "/messages"));
        assertEquals(202, sent.statusCode(), sent.asString());
        await("the message sent through b reaches the runtime connection's upstream").atMost(PATIENCE)
                .pollInterval(POLL).until(() -> first.texts().contains("hello runtime"));
        var replaced = given().contentType("application/json")
                .body("{\"url\":\"" + upstream.url("/" + runtime + "-v2") + "\"}")
                .put(cluster.instance("b").uri("/connections/" + runtime));
        assertEquals(200, replaced.statusCode(), replaced.asString());
        await("the replaced spec is used by the owner").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> second.openSockets() == 1 && first.openSockets() == 0);
        await("both instances have the new spec").atMost(PATIENCE).pollInterval(POLL).until(() -> cluster.ids()
                .stream().allMatch(i -> given().get(cluster.instance(i).uri("/connections/" + runtime + "/spec"))
                        .asString().contains(runtime + "-v2")));
        var deleted = given().delete(cluster.instance("a").uri("/connections/" + runtime));
        assertTrue(deleted.statusCode() / 100 == 2, deleted.statusCode() + " " + deleted.asString());
        await(runtime + " gone from both instances").atMost(PATIENCE).pollInterval(POLL).until(() -> cluster.ids()
                .stream().allMatch(i -> given().get(cluster.instance(i).uri("/connections/" + runtime)).statusCode() == 404));
        await(runtime + "'s socket closed").atMost(PATIENCE).pollInterval(POLL).until(() -> second.openSockets() == 0);

        // the database password is a secret: in no log, no status
        for (String instance : cluster.ids()) {
            String output = cluster.instance(instance).output();
            assertFalse(output.contains(postgres.password()), instance + " logged the database password");
            String list = given().get(cluster.instance(instance).uri("/connections")).asString();
            assertFalse(list.contains(postgres.password()), "the status list shows the database password");
        }
    }

    @Test
    void killMinus9OfTheOwnerOfABusyConnectionTheOtherTakesOverWithinTheLeaseAndLosesNothing() throws Exception {
        String id = "busy";
        cluster = start("kill", List.of("a", "b"), List.of(id));
        awaitOwnedAndOpen(List.of(id));
        SequencedProducer producer = produce(id, List.of("a", "b"));
        UpstreamServer.PathState path = upstream.path("/" + id);
        awaitFlowing(producer, path);
        String owner = owners(List.of(id)).get(id);
        String survivor = other(owner);
        long epoch = cluster.epoch(survivor, id);
        int socketsBefore = path.socketCount();

        producer.target(List.of(survivor));
        long killed = System.nanoTime();
        cluster.instance(owner).kill();
        long ownerChanged = awaitOwner(survivor, id, survivor);
        long newSocket = awaitNewSocket(path, socketsBefore);
        long afterTakeover = System.nanoTime();
        await("messages acknowledged after the takeover").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> producer.acknowledgedSince(afterTakeover) >= 50);
        stopProducers();
        SequencedProducer.Report report = assertEverythingDelivered().get(0);

        System.out.printf("kill -9 of %s: owner %s after %d ms, new socket after %d ms, epoch %d -> %d, %d duplicates%n",
                owner, survivor, millis(ownerChanged - killed), millis(newSocket - killed), epoch,
                cluster.epoch(survivor, id), report.duplicates());
        assertTrue(ownerChanged - killed <= TAKEOVER_BOUND.toNanos(), "owner changed " + millis(ownerChanged - killed)
                + " ms after the kill, more than lease-ttl + 2 s");
        assertTrue(newSocket - killed <= TAKEOVER_BOUND.toNanos(), "the upstream got the new socket "
                + millis(newSocket - killed) + " ms after the kill, more than lease-ttl + 2 s");
        assertTrue(cluster.epoch(survivor, id) > epoch, "the epoch grows at a takeover");
    }

    @Test
    void anOwnerPausedPastItsLeaseSendsNothingMoreAndClosesItsSocketWhenItWakesUp() throws Exception {
        String id = "stalled";
        cluster = start("pause", List.of("a", "b"), List.of(id));
        awaitOwnedAndOpen(List.of(id));
        SequencedProducer producer = produce(id, List.of("a", "b"));
        UpstreamServer.PathState path = upstream.path("/" + id);
        awaitFlowing(producer, path);
        String owner = owners(List.of(id)).get(id);
        String taker = other(owner);
        long epoch = cluster.epoch(taker, id);
        // no request may be waiting on the owner when it freezes: it would stall the producer for its timeout
        producer.target(List.of(taker));
        long moved = System.nanoTime();
        await("acknowledged by " + taker + " alone").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> producer.acknowledgedSince(moved) >= 5);
        int oldSocket = path.socketCount() - 1;
        assertTrue(path.isOpen(oldSocket), "the owner's socket is open");

        long paused = System.nanoTime();
        cluster.instance(owner).pause();
        long ownerChanged = awaitOwner(taker, id, taker);
        long newSocket = awaitNewSocket(path, oldSocket + 1);
        // at once: from now on two sockets are open, and the old owner can only close its own once it runs again
        long resumed = System.nanoTime();
        cluster.instance(owner).resume();
        long newEpoch = cluster.epoch(taker, id);
        assertTrue(newEpoch > epoch, "the epoch grows at the takeover: " + epoch + " -> " + newEpoch);
        await("the old owner closes its socket after SIGCONT").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> !path.isOpen(oldSocket));
        long oldClosed = path.closedNanos(oldSocket);
        await("the old owner sees the new owner").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> taker.equals(cluster.owner(owner, id)));
        long afterWake = System.nanoTime();
        await("messages acknowledged after the old owner woke up").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> producer.acknowledgedSince(afterWake) >= 30);
        stopProducers();
        SequencedProducer.Report report = assertEverythingDelivered().get(0);

        long newOpened = path.openedNanos(oldSocket + 1);
        List<UpstreamServer.Received> late = path.received.stream()
                .filter(r -> r.socket() == oldSocket && r.nanos() >= newOpened).toList();
        System.out.printf("SIGSTOP of %s: owner %s after %d ms, new socket after %d ms, epoch %d -> %d; SIGCONT: old "
                + "socket closed %d ms later; longest overlap of two sockets %d ms; %d frames on the old socket after "
                + "the takeover; %d duplicates%n", owner, taker, millis(ownerChanged - paused),
                millis(newSocket - paused), epoch, newEpoch, millis(oldClosed - resumed),
                path.longestOverlap().toMillis(), late.size(), report.duplicates());
        // A frame the owner had handed to its socket when it froze leaves once it runs again (the kernel or Netty
        // still held it): nothing can call that back. What may not happen is a new write after the wake-up: so at
        // most what was in flight at the pause (the producer posts one at a time), and each of them delivered again by
        // the new owner (counted as a duplicate).
        Set<String> redelivered = path.received.stream().filter(r -> r.socket() != oldSocket)
                .map(UpstreamServer.Received::text).collect(Collectors.toSet());
        assertTrue(late.size() <= 10 && late.stream().allMatch(r -> redelivered.contains(r.text())),
                () -> "the paused owner sent " + late.size() + " frames on its old socket after the takeover: "
                        + late.stream().limit(10).map(UpstreamServer.Received::text).toList());
        assertTrue(ownerChanged - paused <= TAKEOVER_BOUND.toNanos(), "owner changed " + millis(ownerChanged - paused)
                + " ms after SIGSTOP, more than lease-ttl + 2 s");
        assertTrue(oldClosed - resumed <= LEASE_TTL.toNanos(), "the old owner closed its socket "
                + millis(oldClosed - resumed) + " ms after SIGCONT");
        assertTrue(path.longestOverlap().compareTo(LEASE_TTL) <= 0, "two sockets of " + id + " were open at once for "
                + path.longestOverlap().toMillis() + " ms, longer than the lease");
    }

    @Test
    void sigtermOfOneInstanceMovesItsConnectionsToTheOtherAndLosesNothing() throws Exception {
        List<String> connections = ids("move", 4);
        cluster = start("sigterm", List.of("a", "b"), connections);
        awaitOwnedAndOpen(connections);
        await("both instances own some connections").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> Set.copyOf(owners(connections).values()).size() == 2);
        connections.forEach(id -> produce(id, List.of("a", "b")));
        producers.forEach(p -> awaitFlowing(p, upstream.path("/" + p.connection())));
        Map<String, String> before = owners(connections);
        // the instance that owns the most leaves: the handover is then of several connections at once
        String leaving = before.values().stream().filter(java.util.Objects::nonNull).collect(Collectors.groupingBy(Function.identity(),
                Collectors.counting())).entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        String staying = other(leaving);
        Map<String, Integer> socketsBefore = new LinkedHashMap<>();
        connections.forEach(id -> socketsBefore.put(id, upstream.path("/" + id).socketCount()));

        long terminated = System.nanoTime();
        cluster.instance(leaving).terminate();
        producers.forEach(p -> p.target(List.of(staying)));
        int exit = cluster.instance(leaving).awaitExit(Duration.ofSeconds(40));
        long exited = System.nanoTime();
        assertEquals(0, exit, "exit code of " + leaving + " after SIGTERM (log " + cluster.logs() + ")");
        await("every connection is owned by " + staying).atMost(PATIENCE).pollInterval(POLL)
                .until(() -> connections.stream().allMatch(id -> staying.equals(cluster.owner(staying, id))));
        Map<String, Long> moved = new LinkedHashMap<>();
        for (String id : connections) {
            if (leaving.equals(before.get(id))) {
                moved.put(id, millis(awaitNewSocket(upstream.path("/" + id), socketsBefore.get(id)) - terminated));
            }
        }
        long afterMove = System.nanoTime();
        await("messages acknowledged after the handover").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> producers.stream().allMatch(p -> p.acknowledgedSince(afterMove) >= 20));
        stopProducers();
        List<SequencedProducer.Report> reports = assertEverythingDelivered();
        assertNeverTwoSocketsLongerThanTheLease(connections);

        System.out.printf("SIGTERM of %s: exited after %d ms; moved to %s (ms from SIGTERM to the new socket): %s; "
                + "duplicates %s%n", leaving, millis(exited - terminated), staying, moved,
                reports.stream().map(SequencedProducer.Report::duplicates).toList());
        assertTrue(!moved.isEmpty(), "instance " + leaving + " owned something: " + before);
        moved.forEach((id, ms) -> assertTrue(ms <= millis(exited - terminated) + TAKEOVER_BOUND.toMillis(),
                id + " had a new socket " + ms + " ms after SIGTERM"));
    }

    @Test
    void postgresqlStoppedMidFlowEnqueuesAnswer503NothingAcknowledgedIsLostAndAllResumes() throws Exception {
        List<String> connections = ids("pg", 2);
        cluster = start("postgres", List.of("a", "b"), connections);
        awaitOwnedAndOpen(connections);
        connections.forEach(id -> produce(id, List.of("a", "b")));
        producers.forEach(p -> awaitFlowing(p, upstream.path("/" + p.connection())));

        postgres.stop();
        long down = System.nanoTime();
        await("readiness is DOWN on both instances while the database is down").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> cluster.ids().stream().allMatch(i -> cluster.readiness(i) == 503));
        await("enqueues are refused while the database is down").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> producers.stream().allMatch(p -> p.attemptsWithin(down, System.nanoTime()).stream()
                        .filter(a -> a.outcome() == Outcome.REJECTED).count() >= 3));
        long up = System.nanoTime();
        postgres.start();

        List<Attempt> whileDown = producers.stream().flatMap(p -> p.attemptsWithin(down, up).stream()).toList();
        List<Attempt> accepted = whileDown.stream().filter(a -> a.outcome() == Outcome.ACKNOWLEDGED).toList();
        // the database is the cause, whichever instance answers: never no-owner (issue 24)
        List<Attempt> wrongType = whileDown.stream().filter(a -> a.outcome() == Outcome.REJECTED
                && !a.problemType().equals("https://longlink.dev/problems/store-unavailable")).toList();
        assertTrue(accepted.isEmpty(), () -> accepted.size() + " enqueues answered 202 while PostgreSQL was down: "
                + accepted.stream().limit(5).toList());
        assertTrue(wrongType.isEmpty(), "503s other than store-unavailable while PostgreSQL was down: "
                + wrongType.stream().limit(5).toList());

        await("readiness is UP again on both instances").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> cluster.ids().stream().allMatch(i -> cluster.readiness(i) == 200));
        long back = System.nanoTime();
        await("enqueues answer 202 again").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> producers.stream().allMatch(p -> p.acknowledgedSince(back) >= 30));
        stopProducers();
        List<SequencedProducer.Report> reports = assertEverythingDelivered();
        System.out.printf("PostgreSQL down for %d ms: %d requests, outcomes %s; back to ready in %d ms; %s%n",
                millis(up - down), whileDown.size(), whileDown.stream().collect(Collectors.groupingBy(
                        a -> a.outcome() == Outcome.REJECTED ? a.problemType().replaceAll(".*/", "")
                                : a.outcome().name(), Collectors.counting())),
                millis(back - up), reports);
    }

    // --- helpers ---

    private Cluster start(String name, List<String> instances, List<String> connections) {
        Map<String, String> config = Cluster.settings(postgres, database(name), LEASE_TTL, RENEW_INTERVAL);
        // runtime connections of these tests reach the test upstream on loopback
        config.put("longlink.upstreams.allowed-hosts", "127.0.0.1");
        for (String id : connections) {
            UpstreamResource.connection(config, id, upstream.url("/" + id));
            config.put("longlink.connections." + id + ".outbox.capacity", "100000");
        }
        return Cluster.start("cluster-" + name, instances, config);
    }

    private static final AtomicLong DATABASES = new AtomicLong();

    private static String database(String name) {
        String database = "it_" + name + "_" + DATABASES.incrementAndGet();
        try {
            postgres.createDatabase(database);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return database;
    }

    private static List<String> ids(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toList();
    }

    private SequencedProducer produce(String connection, List<String> targets) {
        SequencedProducer producer = SequencedProducer.start(cluster, connection, targets, PACE);
        producers.add(producer);
        return producer;
    }

    private void stopProducers() throws InterruptedException {
        for (SequencedProducer producer : producers) {
            producer.close();
        }
    }

    /** Every connection has an owner and its upstream exactly one open socket. */
    private void awaitOwnedAndOpen(List<String> connections) {
        await("every connection owned, one socket each (logs " + cluster.logs() + ")").atMost(PATIENCE)
                .pollInterval(POLL).untilAsserted(() -> {
                    Map<String, String> owners = owners(connections);
                    assertTrue(owners.values().stream().allMatch(o -> o != null), "owners " + owners);
                    for (String id : connections) {
                        assertEquals(1, upstream.path("/" + id).openSockets(), id + ": open sockets");
                    }
                });
    }

    /** Owner of each connection, as the first live instance reports it. */
    private Map<String, String> owners(List<String> connections) {
        String asked = cluster.alive().get(0);
        Map<String, String> owners = new LinkedHashMap<>();
        connections.forEach(id -> owners.put(id, cluster.owner(asked, id)));
        return owners;
    }

    private String other(String instance) {
        return cluster.ids().stream().filter(i -> !i.equals(instance)).findFirst().orElseThrow();
    }

    /** Waits until {@code asked} reports {@code expected} as the owner; returns when it first did. */
    private long awaitOwner(String asked, String connection, String expected) {
        await(connection + " owned by " + expected + " (logs " + cluster.logs() + ")").atMost(PATIENCE)
                .pollInterval(POLL).until(() -> expected.equals(cluster.owner(asked, connection)));
        return System.nanoTime();
    }

    /** Waits for a socket numbered {@code number} or higher to be open; returns when the first such was accepted. */
    private long awaitNewSocket(UpstreamServer.PathState path, int number) {
        await("a new socket on the upstream (logs " + cluster.logs() + ")").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> path.socketCount() > number && path.isOpen(path.socketCount() - 1));
        return path.openedNanos(number);
    }

    /** Messages are being acknowledged and arrive. */
    private static void awaitFlowing(SequencedProducer producer, UpstreamServer.PathState path) {
        await(producer.connection() + " flowing").atMost(PATIENCE).pollInterval(POLL)
                .until(() -> producer.acknowledged() >= 30 && path.received.size() >= 20);
    }

    /** Waits for every acknowledged message, then checks order and duplicates; prints and returns the reports. */
    private List<SequencedProducer.Report> assertEverythingDelivered() {
        List<SequencedProducer.Report> reports = new ArrayList<>();
        for (SequencedProducer producer : producers) {
            UpstreamServer.PathState path = upstream.path("/" + producer.connection());
            try {
                await(producer.connection() + ": every acknowledged message arrives").atMost(PATIENCE)
                        .pollInterval(POLL).until(() -> producer.missing(path).isEmpty());
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // the check below names what is missing
            }
            SequencedProducer.Report report = producer.check(path);
            System.out.println(report);
            reports.add(report);
        }
        assertNotNull(reports);
        return reports;
    }

    /** A handover may overlap two sockets (new owner first, where the upstream allows it), never for a lease. */
    private static void assertNeverTwoSocketsLongerThanTheLease(List<String> connections) {
        for (String id : connections) {
            Duration overlap = upstream.path("/" + id).longestOverlap();
            assertTrue(overlap.compareTo(LEASE_TTL) <= 0, id + ": two sockets open at once for " + overlap.toMillis()
                    + " ms (" + upstream.path("/" + id).socketCount() + " sockets in all)");
        }
    }

    private String messageState(String instance, String connection, String messageId) throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(cluster.instance(instance).uri(
                        "/connections/" + connection + "/messages/" + messageId)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body()).path("state").asText(
                response.statusCode() + " " + response.body());
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
