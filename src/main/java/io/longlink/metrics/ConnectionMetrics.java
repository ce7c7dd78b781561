package io.longlink.metrics;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.longlink.config.LonglinkConfig;
import io.longlink.connection.ConnectionObserver;
import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ConnectionState;
import io.longlink.connection.ManagedConnection;
import io.longlink.connection.RequestOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;

/**
 * Publishes every connection's numbers to Micrometer (Prometheus at {@code /q/metrics}), each tagged
 * {@code connection=<id>}. Names follow Prometheus conventions once rendered: counters end in {@code _total},
 * durations are histograms in seconds.
 *
 * <ul>
 * <li>{@code longlink_connections{state}}: how many connections are in each state (never tagged by connection).</li>
 * <li>{@code longlink_connection_state{state}}: 1 for the state the connection is in, 0 for the others.</li>
 * <li>{@code longlink_outbox_queued_messages}: messages waiting to be sent.</li>
 * <li>{@code longlink_messages_sent_total}, {@code longlink_messages_received_total}: frames since start.</li>
 * <li>{@code longlink_connection_opens_total}: sockets that reached OPEN (the connection's generation).</li>
 * <li>{@code longlink_connection_attempts_failed_total}: failed connection attempts, each followed by a reconnect
 * attempt unless the cycle gives up.</li>
 * <li>{@code longlink_connection_offline_periods_total}: times the network was found unreachable.</li>
 * <li>{@code longlink_heartbeat_round_trip_seconds}: ping to pong, a histogram.</li>
 * <li>{@code longlink_enqueue_duration_seconds}: request to 202 (stored), a histogram.</li>
 * <li>{@code longlink_inbound_gaps_total}: gaps found in the upstream's sequence ({@code inbound.sequence.pointer}),
 * as the connection announces them.</li>
 * <li>{@code longlink_enqueue_refused_total{status}}: enqueues answered with an error, by status.</li>
 * <li>{@code longlink_requests_total{outcome}}: requests ({@code POST .../requests}) by how they ended:
 * {@code replied}, {@code reply-timeout}, {@code socket-lost}, {@code not-sent}, {@code too-many-requests},
 * {@code duplicate-request-id}.</li>
 * <li>{@code longlink_request_round_trip_seconds}: a request's write to its reply, a histogram.</li>
 * <li>{@code longlink_socket_lifetime_seconds}: how long each socket that reached OPEN lived, a histogram (many
 * short ones: a flapping upstream or an intermediary's idle timeout).</li>
 * <li>{@code longlink_send_rate_waits_total}: times a frame waited for {@code send-rate.limit}.</li>
 * </ul>
 *
 * <p>With {@code longlink.metrics.per-connection=false} the same names carry no {@code connection} tag: each is the
 * total over all connections (a counter keeps what removed connections had counted), {@code longlink_connection_state}
 * is left out for {@code longlink_connections{state}}, and the number of series no longer depends on the number of
 * connections.
 *
 * <p>Gauges and counters read the connection when scraped; nothing is counted twice. Meters exist only for
 * existing connections (configured, or created at run time until removed), so a request naming an unknown id never
 * creates a series.
 */
@Singleton
public class ConnectionMetrics implements ConnectionObserver {

    public static final String TAG = "connection";

    /** A counter read from the connection when scraped. */
    private record Count(String name, String description, ToDoubleFunction<ManagedConnection> read) {
    }

    private static final List<Count> COUNTS = List.of(
            new Count("longlink.messages.sent", "Messages written to the upstream since start",
                    ManagedConnection::sentCount),
            new Count("longlink.messages.received", "Messages received from the upstream since start",
                    ManagedConnection::receivedCount),
            new Count("longlink.connection.opens", "Sockets that reached OPEN since start",
                    ManagedConnection::generation),
            new Count("longlink.connection.attempts.failed", "Connection attempts that failed since start",
                    ManagedConnection::failedAttemptsTotal),
            new Count("longlink.connection.offline.periods", "Times the network was found unreachable since start",
                    ManagedConnection::offlinePeriods),
            new Count("longlink.send.rate.waits", "Times a frame waited for send-rate.limit since start",
                    ManagedConnection::sendRateWaits));

    private final MeterRegistry meters;
    private final LonglinkConfig.Metrics config;
    /** Every connection present, for the totals by state (and for every total when not per connection). */
    private final Totals<ManagedConnection> totals = new Totals<>();
    private final Map<String, Timer> roundTrips = new ConcurrentHashMap<>();
    private final Map<String, Timer> enqueues = new ConcurrentHashMap<>();
    private final Map<String, Timer> requestRoundTrips = new ConcurrentHashMap<>();
    /** Each connection's request counters by outcome, made when first needed (one map for all when not per connection). */
    private final Map<String, Map<RequestOutcome, Counter>> requests = new ConcurrentHashMap<>();
    private final Map<String, Timer> lifetimes = new ConcurrentHashMap<>();
    private final Map<String, Counter> gaps = new ConcurrentHashMap<>();
    /** The meters shared by all connections when not per connection; else null. */
    private final Timer allRoundTrips;
    private final Timer allEnqueues;
    private final Timer allRequestRoundTrips;
    private final Timer allLifetimes;
    private final Map<RequestOutcome, Counter> allRequests;
    private final Counter allGaps;

    public ConnectionMetrics(MeterRegistry meters, LonglinkConfig config) {
        this.meters = meters;
        this.config = config.metrics();
        for (ConnectionState state : ConnectionState.values()) {
            Gauge.builder("longlink.connections", totals, t -> t.count(c -> c.state() == state))
                    .description("How many connections are in the state").tag("state", state.name())
                    .strongReference(true).register(meters);
        }
        if (this.config.perConnection()) {
            allRoundTrips = null;
            allEnqueues = null;
            allRequestRoundTrips = null;
            allLifetimes = null;
            allRequests = null;
            allGaps = null;
        } else {
            Gauge.builder("longlink.outbox.queued", totals, t -> t.sum(ManagedConnection::queued))
                    .baseUnit("messages").description("Messages waiting in the outboxes").strongReference(true)
                    .register(meters);
            for (Count count : COUNTS) {
                FunctionCounter.builder(count.name(), totals, totals.counter(count.read()))
                        .description(count.description()).register(meters);
            }
            allRoundTrips = roundTripHistogram(Tags.empty());
            allEnqueues = enqueueHistogram(Tags.empty());
            allRequestRoundTrips = requestHistogram(Tags.empty());
            allLifetimes = lifetimeHistogram(Tags.empty());
            allRequests = new EnumMap<>(RequestOutcome.class);
            allGaps = gapCounter(Tags.empty());
        }
    }

    void register(@Observes StartupEvent event, ConnectionRegistry registry) {
        registry.all().forEach(this::register);
    }

    @Override
    public void connectionAdded(ManagedConnection connection) {
        register(connection);
    }

    @Override
    public void connectionRemoved(String connectionId) {
        totals.remove(connectionId);
        roundTrips.remove(connectionId);
        enqueues.remove(connectionId);
        requestRoundTrips.remove(connectionId);
        requests.remove(connectionId);
        lifetimes.remove(connectionId);
        gaps.remove(connectionId);
        if (config.perConnection()) {
            meters.getMeters().stream().filter(m -> connectionId.equals(m.getId().getTag(TAG))).toList()
                    .forEach(meters::remove);
        }
    }

    private void register(ManagedConnection c) {
        String id = c.id();
        totals.add(id, c);
        if (!config.perConnection()) {
            roundTrips.put(id, allRoundTrips);
            enqueues.put(id, allEnqueues);
            requestRoundTrips.put(id, allRequestRoundTrips);
            lifetimes.put(id, allLifetimes);
            requests.put(id, allRequests);
            gaps.put(id, allGaps);
            return;
        }
        for (ConnectionState state : ConnectionState.values()) {
            Gauge.builder("longlink.connection.state", c, x -> x.state() == state ? 1 : 0)
                    .description("1 for the state the connection is in, 0 for the others")
                    .tags(TAG, id, "state", state.name()).strongReference(true).register(meters);
        }
        Gauge.builder("longlink.outbox.queued", c, ManagedConnection::queued).baseUnit("messages")
                .description("Messages waiting in the outbox").tag(TAG, id).strongReference(true).register(meters);
        for (Count count : COUNTS) {
            FunctionCounter.builder(count.name(), c, count.read()).description(count.description()).tag(TAG, id)
                    .register(meters);
        }
        roundTrips.put(id, roundTripHistogram(Tags.of(TAG, id)));
        enqueues.put(id, enqueueHistogram(Tags.of(TAG, id)));
        requestRoundTrips.put(id, requestHistogram(Tags.of(TAG, id)));
        requests.put(id, new EnumMap<>(RequestOutcome.class));
        lifetimes.put(id, lifetimeHistogram(Tags.of(TAG, id)));
        gaps.put(id, gapCounter(Tags.of(TAG, id)));
    }

    @Override
    public void requestEnded(String connectionId, RequestOutcome outcome, long roundTripNanos) {
        Map<RequestOutcome, Counter> counters = requests.get(connectionId);
        if (counters == null) {
            return;
        }
        Counter counter;
        synchronized (counters) {
            Tags tags = Tags.of("outcome", outcome.tag());
            counter = counters.computeIfAbsent(outcome, o -> Counter.builder("longlink.requests")
                    .description("Requests over the socket by how they ended")
                    .tags(config.perConnection() ? tags.and(TAG, connectionId) : tags).register(meters));
        }
        counter.increment();
        if (roundTripNanos >= 0) {
            record(requestRoundTrips, connectionId, roundTripNanos);
        }
    }

    @Override
    public void socketEnded(String connectionId, long livedNanos) {
        record(lifetimes, connectionId, livedNanos);
    }

    @Override
    public void inboundGap(String connectionId) {
        Counter counter = gaps.get(connectionId);
        if (counter != null) {
            counter.increment();
        }
    }

    @Override
    public void heartbeatAnswered(String connectionId, long roundTripNanos) {
        record(roundTrips, connectionId, roundTripNanos);
    }

    /** A message for this connection was accepted {@code nanos} after its request arrived. */
    public void enqueued(String connectionId, long nanos) {
        record(enqueues, connectionId, nanos);
    }

    /**
     * An enqueue (single or batch) for this connection was refused with {@code status} (400, 413, 415, 503...): the
     * enqueue routes are not in the HTTP server metrics, so their refusals are counted here, for existing
     * connections only (an unknown id never creates a series).
     */
    public void enqueueRefused(String connectionId, int status) {
        if (enqueues.containsKey(connectionId)) {
            Tags tags = Tags.of("status", Integer.toString(status));
            Counter.builder("longlink.enqueue.refused")
                    .description("Enqueues answered with an error after authentication, by status")
                    .tags(config.perConnection() ? tags.and(TAG, connectionId) : tags).register(meters).increment();
        }
    }

    private static void record(Map<String, Timer> timers, String connectionId, long nanos) {
        Timer timer = timers.get(connectionId);
        if (timer != null) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private Timer roundTripHistogram(Tags tags) {
        return histogram("longlink.heartbeat.round.trip", "Heartbeat ping to pong", tags, config.roundTripBuckets());
    }

    private Timer enqueueHistogram(Tags tags) {
        return histogram("longlink.enqueue.duration", "Enqueue request to 202: message stored", tags,
                config.enqueueBuckets());
    }

    private Timer requestHistogram(Tags tags) {
        return histogram("longlink.request.round.trip", "A request's write to its reply", tags,
                config.roundTripBuckets());
    }

    private Timer lifetimeHistogram(Tags tags) {
        return histogram("longlink.socket.lifetime", "How long a socket lived once open", tags,
                config.socketLifetimeBuckets());
    }

    private Counter gapCounter(Tags tags) {
        return Counter.builder("longlink.inbound.gaps")
                .description("Gaps found in the upstream's sequence (inbound.sequence.pointer) since start")
                .tags(tags).register(meters);
    }

    private Timer histogram(String name, String description, Tags tags, List<Double> bucketSeconds) {
        Duration[] buckets = bucketSeconds.stream().sorted()
                .map(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);
        return Timer.builder(name).description(description).tags(tags)
                .serviceLevelObjectives(buckets)
                .minimumExpectedValue(buckets[0]).maximumExpectedValue(buckets[buckets.length - 1])
                .register(meters);
    }
}
