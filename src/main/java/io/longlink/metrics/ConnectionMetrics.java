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
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;

/**
 * Publishes every connection's numbers to Micrometer (Prometheus at {@code /q/metrics}), each tagged
 * {@code connection=<id>}. Names follow Prometheus conventions once rendered: counters end in {@code _total},
 * durations are histograms in seconds.
 *
 * <ul>
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
 * </ul>
 *
 * <p>Gauges and counters read the connection when scraped; nothing is counted twice. Meters exist only for
 * existing connections (configured, or created at run time until removed), so a request naming an unknown id never
 * creates a series.
 */
@Singleton
public class ConnectionMetrics implements ConnectionObserver {

    public static final String TAG = "connection";

    private final MeterRegistry meters;
    private final LonglinkConfig.Metrics config;
    private final Map<String, Timer> roundTrips = new ConcurrentHashMap<>();
    private final Map<String, Timer> enqueues = new ConcurrentHashMap<>();
    private final Map<String, Timer> requestRoundTrips = new ConcurrentHashMap<>();
    /** Each connection's request counters by outcome, made when first needed. */
    private final Map<String, Map<RequestOutcome, Counter>> requests = new ConcurrentHashMap<>();
    private final Map<String, Counter> gaps = new ConcurrentHashMap<>();

    public ConnectionMetrics(MeterRegistry meters, LonglinkConfig config) {
        this.meters = meters;
        this.config = config.metrics();
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
        roundTrips.remove(connectionId);
        enqueues.remove(connectionId);
        requestRoundTrips.remove(connectionId);
        requests.remove(connectionId);
        gaps.remove(connectionId);
        meters.getMeters().stream().filter(m -> connectionId.equals(m.getId().getTag(TAG))).toList()
                .forEach(meters::remove);
    }

    private void register(ManagedConnection c) {
        String id = c.id();
        for (ConnectionState state : ConnectionState.values()) {
            Gauge.builder("longlink.connection.state", c, x -> x.state() == state ? 1 : 0)
                    .description("1 for the state the connection is in, 0 for the others")
                    .tags(TAG, id, "state", state.name()).strongReference(true).register(meters);
        }
        Gauge.builder("longlink.outbox.queued", c, ManagedConnection::queued).baseUnit("messages")
                .description("Messages waiting in the outbox").tag(TAG, id).strongReference(true).register(meters);
        counter("longlink.messages.sent", "Messages written to the upstream since start", c,
                ManagedConnection::sentCount);
        counter("longlink.messages.received", "Messages received from the upstream since start", c,
                ManagedConnection::receivedCount);
        counter("longlink.connection.opens", "Sockets that reached OPEN since start", c, ManagedConnection::generation);
        counter("longlink.connection.attempts.failed", "Connection attempts that failed since start", c,
                ManagedConnection::failedAttemptsTotal);
        counter("longlink.connection.offline.periods", "Times the network was found unreachable since start", c,
                ManagedConnection::offlinePeriods);
        roundTrips.put(id, histogram("longlink.heartbeat.round.trip", "Heartbeat ping to pong", id,
                config.roundTripBuckets()));
        gaps.put(id, Counter.builder("longlink.inbound.gaps")
                .description("Gaps found in the upstream's sequence (inbound.sequence.pointer) since start")
                .tag(TAG, id).register(meters));
        enqueues.put(id, histogram("longlink.enqueue.duration", "Enqueue request to 202: message stored", id,
                config.enqueueBuckets()));
        requestRoundTrips.put(id, histogram("longlink.request.round.trip", "A request's write to its reply", id,
                config.roundTripBuckets()));
        requests.put(id, new EnumMap<>(RequestOutcome.class));
    }

    @Override
    public void requestEnded(String connectionId, RequestOutcome outcome, long roundTripNanos) {
        Map<RequestOutcome, Counter> counters = requests.get(connectionId);
        if (counters == null) {
            return;
        }
        Counter counter;
        synchronized (counters) {
            counter = counters.computeIfAbsent(outcome, o -> Counter.builder("longlink.requests")
                    .description("Requests over the socket by how they ended")
                    .tags(TAG, connectionId, "outcome", o.tag()).register(meters));
        }
        counter.increment();
        if (roundTripNanos >= 0) {
            record(requestRoundTrips, connectionId, roundTripNanos);
        }
    }

    @Override
    public void heartbeatAnswered(String connectionId, long roundTripNanos) {
        record(roundTrips, connectionId, roundTripNanos);
    }

    @Override
    public void inboundGap(String connectionId) {
        Counter counter = gaps.get(connectionId);
        if (counter != null) {
            counter.increment();
        }
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
            Counter.builder("longlink.enqueue.refused")
                    .description("Enqueues answered with an error after authentication, by status")
                    .tags(TAG, connectionId, "status", Integer.toString(status)).register(meters).increment();
        }
    }

    private static void record(Map<String, Timer> timers, String connectionId, long nanos) {
        Timer timer = timers.get(connectionId);
        if (timer != null) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void counter(String name, String description, ManagedConnection c,
            ToDoubleFunction<ManagedConnection> count) {
        FunctionCounter.builder(name, c, count).description(description).tag(TAG, c.id()).register(meters);
    }

    private Timer histogram(String name, String description, String id, List<Double> bucketSeconds) {
        Duration[] buckets = bucketSeconds.stream().sorted()
                .map(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);
        return Timer.builder(name).description(description).tag(TAG, id)
                .serviceLevelObjectives(buckets)
                .minimumExpectedValue(buckets[0]).maximumExpectedValue(buckets[buckets.length - 1])
                .register(meters);
    }
}
