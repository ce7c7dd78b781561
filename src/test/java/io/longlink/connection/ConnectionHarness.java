package io.longlink.connection;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.longlink.config.ConnectionSettings;
import io.longlink.config.LonglinkConfig;
import io.longlink.inbox.InboundLog;
import io.longlink.inbox.InboundMessage;
import io.longlink.inbox.InboundSettings;
import io.longlink.inbox.InboundStore;
import io.longlink.outbox.EnqueueRequest;
import io.longlink.outbox.InMemoryOutboxStore;
import io.longlink.outbox.OutboxSettings;
import io.longlink.outbox.OutboxStore;
import io.longlink.session.SessionPlan;

/**
 * One {@link ManagedConnection} on fake time for unit tests: a {@link FakeUpstream} answers every connect and
 * probe as the test says, {@link ManualTimers} moves time, the real {@link ReconnectPolicy} (SmallRye Fault
 * Tolerance) decides the retries, and the settings are real configuration (change {@link #settings} before the
 * first {@link #connection()}).
 */
final class ConnectionHarness {

    static final String ID = "feed";
    static final Instant START = Instant.parse("2026-12-01T10:00:00Z");

    final ManualTimers timers = new ManualTimers();
    final Clock clock = timers.clock(START);
    final FakeUpstream upstream = new FakeUpstream();
    final OutboxStore outbox = new InMemoryOutboxStore(clock, id -> OutboxSettings.of(config().outbox()), 100);
    private final InboundStore inbound = InboundStore.inMemory(id -> InboundSettings.of(config().inbound()), clock);
    final List<Long> roundTrips = new CopyOnWriteArrayList<>();
    /** How each request ended, in order, as the observer heard it. */
    final List<RequestOutcome> requestOutcomes = new CopyOnWriteArrayList<>();
    final Map<String, String> variables = new HashMap<>();
    final EventLog events = new EventLog(100, Runnable::run);
    final Map<String, String> settings = new HashMap<>(Map.of(
            "url", "ws://upstream.test:9000/feed",
            "reconnect.initial-delay", "2s",
            "reconnect.max-delay", "8s",
            "reconnect.jitter", "0",
            "reconnect.max-attempts", "4",
            "heartbeat.interval", "10s",
            "heartbeat.timeout", "3s",
            "close-timeout", "5s",
            "connect-timeout", "10s",
            "offline.probe-interval", "1s"));

    final FakeTokenEndpoint tokenEndpoint = new FakeTokenEndpoint(clock);

    private ManagedConnection connection;

    /** The connection's settings as the application would read them; {@link IllegalArgumentException} if invalid. */
    LonglinkConfig.ConnectionConfig config() {
        return ConnectionSettings.read(ID, settings);
    }

    /** Whether this instance owns the connection (a cluster's lease); a test takes it away. */
    volatile boolean owned = true;

    /** The instance's handshake budgets (set before the first {@link #connection()}). */
    ConnectRates connectRates = ConnectRates.none();

    /** Times each socket ended, as the observer heard them. */
    final List<Long> socketLifetimes = new CopyOnWriteArrayList<>();

    ManagedConnection connection() {
        if (connection == null) {
            LonglinkConfig.ConnectionConfig c = config();
            ConnectionObserver observer = new ConnectionObserver() {
                @Override
                public void heartbeatAnswered(String id, long nanos) {
                    roundTrips.add(nanos);
                }

                @Override
                public void socketEnded(String id, long livedNanos) {
                    socketLifetimes.add(livedNanos);
                }

                @Override
                public void requestEnded(String id, RequestOutcome outcome, long roundTripNanos) {
                    requestOutcomes.add(outcome);
                }
            };
            ConnectionEnvironment env = new ConnectionEnvironment(timers, clock, () -> 0.5, Runnable::run,
                    variables::get, observer, events, id -> owned).withConnectRates(connectRates);
            connection = new ManagedConnection(ID, c, SessionPlan.of(c), outbox, inbox(), upstream, tokenEndpoint,
                    env);
        }
        return connection;
    }

    ConnectionState state() {
        return connection().state();
    }

    InboundLog inbox() {
        return inbound.log(ID);
    }

    /** Every inbound message kept, oldest first. */
    List<InboundMessage> inbound() {
        return inbox().read(0, 1000).toCompletableFuture().join();
    }

    void send(String text) {
        connection().enqueue(new EnqueueRequest(ID, false, text.getBytes(StandardCharsets.UTF_8), null))
                .toCompletableFuture().join();
    }

    /** The states of the published events, oldest first. */
    List<String> eventStates() {
        return stateChanges().stream().map(e -> e.state().name()).toList();
    }

    /** The published state changes, oldest first. */
    List<ConnectionEvent> stateChanges() {
        return events.read(0, 1000, id -> true).stream().filter(ConnectionEvent.class::isInstance)
                .map(ConnectionEvent.class::cast).toList();
    }

    /** The published gaps, oldest first. */
    List<GapEvent> gaps() {
        return events.read(0, 1000, id -> true).stream().filter(GapEvent.class::isInstance)
                .map(GapEvent.class::cast).toList();
    }
}
