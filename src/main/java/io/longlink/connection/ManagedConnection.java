package io.longlink.connection;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.longlink.config.LonglinkConfig;
import io.longlink.inbox.InboundLog;
import io.longlink.outbox.OutboundMessage;
import io.longlink.outbox.OutboxStore;
import io.longlink.webhook.WebhookStatus;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.BasicWebSocketConnector;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketClientConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

/**
 * One long-lived outbound WebSocket connection and its state machine.
 *
 * <pre>
 *            open                      handshake ok
 *  CLOSED ─────────► CONNECTING ─────────────────────► OPEN ──── socket lost ───► CONNECTING (at once)
 *    ▲                  │  ▲  attempt failed,                │
 *    │                  │  └── RECONNECTING ◄── retries left │ close
 *    │ close            │      (backoff delay)               ▼
 *    │                  ├── attempts exhausted ──► FAILED   CLOSING ── close frame or close-timeout ──► CLOSED
 *    │                  └── network unreachable ─► OFFLINE ── probe answers ──► CONNECTING (attempts reset)
 * </pre>
 *
 * <ul>
 * <li>{@code desired} is what the operator asked for last; reconnect logic only runs while it is {@code OPEN},
 * so an operator's close is never undone. Open and close are idempotent.</li>
 * <li>A reconnect cycle is one run of the {@link ReconnectPolicy} guard, identified by {@code cycle}. Starting
 * a new cycle or closing bumps {@code cycle}; a superseded cycle's next attempt aborts uncounted.</li>
 * <li>Every connection attempt gets a fresh {@code socketToken}; callbacks of a socket (messages, pongs,
 * close, error) act only while their token is the current one, so a late event from an older socket never
 * changes the state of a newer one. {@code generation} counts sockets that reached {@code OPEN}.</li>
 * <li>A failed attempt is classified by {@link FailureClassifier}. An upstream that is down (refused, handshake
 * rejected, timeout) counts as an attempt and the cycle goes on with backoff. A network that is gone (unknown
 * host, network unreachable, no route) ends the cycle uncounted ({@link NetworkUnreachableException}) and the
 * connection goes {@code OFFLINE}: no heartbeat (it only runs while {@code OPEN}), no attempt, only the
 * {@link ReachabilityProbe}, identified by {@code probeToken}. When the probe answers, a fresh cycle starts at once
 * with {@code attempt} reset. A socket lost while open starts a cycle whose first attempt is immediate, so a
 * lost socket is classified by that attempt. Being offline therefore never leads to {@code FAILED}.</li>
 * <li>Messages are sent only while {@code OPEN}, by one flush loop at a time ({@code flushing}): a batch of
 * the outbox head is written, and only the messages whose write completed leave the outbox. A failed write
 * makes the socket count as lost; the rest stays queued for the next socket.</li>
 * </ul>
 *
 * <p>All mutable state is guarded by {@code this}. Decisions are taken under the lock; sockets are written,
 * closed and connected, and cycles started, outside it.
 */
public final class ManagedConnection implements HeartbeatMonitor.Listener, ReachabilityProbe.Listener {

    private static final int NORMAL_CLOSURE = 1000;
    private static final int GOING_AWAY = 1001;
    private static final int UNEXPECTED_CONDITION = 1011;
    /** Payload of heartbeat pings (copied into a fresh buffer per ping: a written buffer is released). */
    private static final byte[] PING = "longlink".getBytes(StandardCharsets.US_ASCII);

    private final String id;
    private final LonglinkConfig.ConnectionConfig config;
    private final String redactedUrl;
    /** The upstream URL without its path: the connector appends a path, and would add a '/' to an empty one. */
    private final URI baseUri;
    /** The upstream URL's raw path, sent exactly as configured. */
    private final String path;
    private final OutboxStore outbox;
    private final InboundLog inbox;
    private final Vertx vertx;
    /** Every timer of this connection: heartbeat, probe, connect and close deadlines. */
    private final Timers timers;
    private final Clock clock;
    private final ReconnectPolicy policy;
    private final HeartbeatMonitor heartbeat;
    private final ReachabilityProbe probe;
    private final ConnectionObserver observer;
    /** Messages written to a socket since start. */
    private final AtomicLong sent = new AtomicLong();
    /** Frames received from the upstream since start. */
    private final AtomicLong received = new AtomicLong();
    /** Failed connection attempts since start; an attempt that found the network gone is not counted. */
    private final AtomicLong failedAttemptsTotal = new AtomicLong();
    /** Times the connection went OFFLINE since start. */
    private final AtomicLong offlinePeriods = new AtomicLong();

    private ConnectionState state = ConnectionState.CLOSED;
    private DesiredState desired = DesiredState.CLOSED;
    /** Sockets that reached OPEN so far. */
    private long generation;
    /** Failed attempts since the connection was last open or open was last requested. */
    private int attempt;
    /** When the next attempt is due, while RECONNECTING. */
    private Instant nextAttemptAt;
    /** When the last socket opened. */
    private Instant connectedAt;
    private String lastError;
    private Integer lastCloseCode;
    private String lastCloseReason;
    /** Token of the current reconnect cycle. */
    private long cycle;
    /** Token of the current socket or connection attempt. */
    private long socketToken;
    /** Token of the running reachability probe, while OFFLINE. */
    private long probeToken = -1;
    /** The open socket, while OPEN. */
    private WebSocketClientConnection socket;
    /** A flush loop is running. */
    private boolean flushing;
    /** Completes when the running close ends, while CLOSING. */
    private CompletableFuture<Void> closing;
    /** The process is stopping: no cycle starts any more, whatever {@code desired} says. */
    private boolean stopped;
    /** The webhook's part of {@link #status()}; answers null until a webhook delivery is attached. */
    private volatile Supplier<WebhookStatus> webhook = () -> null;

    ManagedConnection(String id, LonglinkConfig.ConnectionConfig config, OutboxStore outbox, InboundLog inbox,
            Vertx vertx, Clock clock, ConnectionObserver observer) {
        this.id = id;
        this.observer = observer;
        this.config = config;
        this.redactedUrl = UrlRedactor.redact(config.url());
        URI url = config.url();
        this.baseUri = URI.create(url.getScheme() + "://" + url.getRawAuthority()
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()));
        this.path = url.getRawPath() == null ? "" : url.getRawPath();
        this.outbox = outbox;
        this.inbox = inbox;
        this.vertx = vertx;
        this.timers = Timers.of(vertx);
        this.clock = clock;
        this.policy = new ReconnectPolicy(id, config.reconnect());
        this.heartbeat = new HeartbeatMonitor(timers, clock, config.heartbeat().interval(),
                config.heartbeat().timeout(), this);
        int port = url.getPort() >= 0 ? url.getPort() : ("wss".equalsIgnoreCase(url.getScheme()) ? 443 : 80);
        String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1)
                : url.getHost();
        this.probe = new ReachabilityProbe(vertx, timers, host, port, config.offline().probeInterval(),
                config.connectTimeout(), this);
    }

    public String id() {
        return id;
    }

    public LonglinkConfig.ConnectionConfig config() {
        return config;
    }

    public InboundLog inbox() {
        return inbox;
    }

    /** The operator wants the connection open: starts a fresh cycle unless one is running or it is open. */
    public ConnectionStatus open() {
        long newCycle = -1;
        synchronized (this) {
            desired = DesiredState.OPEN;
            if (!stopped && (state == ConnectionState.CLOSED || state == ConnectionState.FAILED)) {
                newCycle = beginCycleLocked();
            }
        }
        if (newCycle >= 0) {
            Log.infof("[%s] open requested", id);
            runCycle(newCycle);
        }
        return status();
    }

    /** The operator wants the connection closed: close frame 1000, no reconnect; the outbox stays. */
    public CompletionStage<ConnectionStatus> close() {
        return closeWith(NORMAL_CLOSURE, "closed by operator", DesiredState.CLOSED).thenApply(v -> status());
    }

    /** The process is stopping: close frame 1001, and nothing reconnects; {@code desired} is left as it was. */
    public CompletionStage<Void> shutdown() {
        synchronized (this) {
            stopped = true;
        }
        return closeWith(GOING_AWAY, "going away", null);
    }

    /** A message was accepted: send it now if open, or start a fresh cycle if the last one failed. */
    public void messageQueued() {
        long newCycle = -1;
        boolean open;
        synchronized (this) {
            if (state == ConnectionState.FAILED && desired == DesiredState.OPEN && !stopped) {
                newCycle = beginCycleLocked();
            }
            open = state == ConnectionState.OPEN;
        }
        if (newCycle >= 0) {
            Log.infof("[%s] message queued while failed: reconnecting", id);
            runCycle(newCycle);
        } else if (open) {
            kickSender();
        }
    }

    /** Shows a webhook delivery's status in this connection's status (issue 14). */
    public void attachWebhook(Supplier<WebhookStatus> status) {
        this.webhook = status;
    }

    public ConnectionStatus status() {
        WebhookStatus webhookStatus = webhook.get();
        int queued = queued();
        Instant lastPongAt = heartbeat.lastPongAt();
        Long rtt = heartbeat.rttMillis();
        synchronized (this) {
            return new ConnectionStatus(id, redactedUrl, state, desired, generation, attempt, nextAttemptAt,
                    connectedAt, lastError, lastCloseCode, lastCloseReason, queued, sent.get(), received.get(),
                    lastPongAt, rtt, webhookStatus);
        }
    }

    public synchronized ConnectionState state() {
        return state;
    }

    /** Sockets that reached OPEN so far. */
    public synchronized long generation() {
        return generation;
    }

    /** Messages waiting in the outbox. */
    public int queued() {
        return outbox.queued(id);
    }

    public long sentCount() {
        return sent.get();
    }

    public long receivedCount() {
        return received.get();
    }

    public long failedAttemptsTotal() {
        return failedAttemptsTotal.get();
    }

    public long offlinePeriods() {
        return offlinePeriods.get();
    }

    // --- reconnect cycle ---

    private long beginCycleLocked() {
        state = ConnectionState.CONNECTING;
        attempt = 0;
        nextAttemptAt = null;
        return ++cycle;
    }

    private void runCycle(long cycleToken) {
        policy.newCycle(delay -> retryScheduled(cycleToken, delay))
                .get(() -> attempt(cycleToken))
                .whenComplete((ok, failure) -> cycleEnded(cycleToken, failure));
    }

    private synchronized void retryScheduled(long cycleToken, long delayMillis) {
        if (cycleToken == cycle && desired == DesiredState.OPEN) {
            state = ConnectionState.RECONNECTING;
            nextAttemptAt = clock.instant().plusMillis(delayMillis);
        }
    }

    private CompletionStage<Void> attempt(long cycleToken) {
        long token;
        synchronized (this) {
            if (cycleToken != cycle || desired != DesiredState.OPEN) {
                return CompletableFuture.failedFuture(new CycleCancelledException());
            }
            state = ConnectionState.CONNECTING;
            nextAttemptAt = null;
            token = ++socketToken;
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        long timer = timers.schedule(config.connectTimeout(), () -> connectFailed(cycleToken, token,
                new TimeoutException("no handshake within " + config.connectTimeout().toMillis() + " ms"), result));
        Uni<WebSocketClientConnection> connect;
        try {
            connect = connector(token).connect();
        } catch (RuntimeException e) {
            timers.cancel(timer);
            connectFailed(cycleToken, token, e, result);
            return result;
        }
        connect.subscribe().with(
                socket -> {
                    timers.cancel(timer);
                    connected(cycleToken, token, socket, result);
                },
                failure -> {
                    timers.cancel(timer);
                    connectFailed(cycleToken, token, failure, result);
                });
        return result;
    }

    private void connected(long cycleToken, long token, WebSocketClientConnection opened,
            CompletableFuture<Void> result) {
        boolean current;
        long gen;
        synchronized (this) {
            current = token == socketToken && cycleToken == cycle && desired == DesiredState.OPEN;
            if (current) {
                socket = opened;
                generation++;
                state = ConnectionState.OPEN;
                attempt = 0;
                nextAttemptAt = null;
                connectedAt = clock.instant();
                heartbeat.start(token, () -> opened.sendPing(Buffer.buffer(PING)));
            }
            gen = generation;
        }
        if (!current) {
            closeQuietly(opened, NORMAL_CLOSURE, "superseded");
            result.completeExceptionally(new CycleCancelledException());
            return;
        }
        Log.infof("[%s] open (generation %d)", id, gen);
        result.complete(null);
        kickSender();
    }

    private void connectFailed(long cycleToken, long token, Throwable failure, CompletableFuture<Void> result) {
        boolean offline = FailureClassifier.isNetworkUnreachable(failure);
        String description = FailureClassifier.describe(failure);
        boolean cancelled;
        int failedAttempts;
        synchronized (this) {
            if (token != socketToken) {
                return;
            }
            socketToken++;
            cancelled = cycleToken != cycle || desired != DesiredState.OPEN;
            if (!cancelled) {
                lastError = description;
                if (!offline) {
                    attempt++;
                }
            }
            failedAttempts = attempt;
        }
        if (cancelled) {
            result.completeExceptionally(new CycleCancelledException());
            return;
        }
        if (offline) {
            Log.debugf("[%s] attempt found the network gone: %s", id, description);
        } else {
            Log.debugf("[%s] attempt %d failed: %s", id, failedAttempts, description);
            failedAttemptsTotal.incrementAndGet();
        }
        result.completeExceptionally(offline ? new NetworkUnreachableException(failure) : failure);
    }

    private void cycleEnded(long cycleToken, Throwable outcome) {
        Throwable failure = outcome instanceof CompletionException && outcome.getCause() != null
                ? outcome.getCause()
                : outcome;
        if (failure == null || failure instanceof CycleCancelledException) {
            return;
        }
        boolean offline = failure instanceof NetworkUnreachableException;
        int failedAttempts;
        synchronized (this) {
            if (cycleToken != cycle || desired != DesiredState.OPEN) {
                return;
            }
            nextAttemptAt = null;
            if (offline) {
                state = ConnectionState.OFFLINE;
                probeToken = probe.start();
            } else {
                state = ConnectionState.FAILED;
            }
            failedAttempts = attempt;
        }
        if (offline) {
            Log.warnf("[%s] offline: %s; probing every %d ms", id, failure.getMessage(),
                    config.offline().probeInterval().toMillis());
            offlinePeriods.incrementAndGet();
        } else {
            Log.warnf("[%s] failed after %d attempts: %s", id, failedAttempts, FailureClassifier.describe(failure));
        }
    }

    @Override
    public void networkReturned(long token) {
        long newCycle;
        synchronized (this) {
            if (token != probeToken || state != ConnectionState.OFFLINE || desired != DesiredState.OPEN) {
                return;
            }
            probeToken = -1;
            newCycle = beginCycleLocked();
        }
        Log.infof("[%s] network is back: reconnecting", id);
        runCycle(newCycle);
    }

    @Override
    public void stillUnreachable(long token, Throwable failure) {
        synchronized (this) {
            if (token == probeToken && state == ConnectionState.OFFLINE) {
                lastError = "offline: " + FailureClassifier.describe(failure);
            }
        }
    }

    // --- socket events ---

    private BasicWebSocketConnector connector(long token) {
        int closingSeconds = (int) Math.max(1, (config.closeTimeout().toMillis() + 999) / 1000);
        int connectMillis = (int) Math.max(1, config.connectTimeout().toMillis());
        int maxMessage = (int) Math.min(Integer.MAX_VALUE, config.inbound().maxMessageSize().asLongValue());
        BasicWebSocketConnector connector = BasicWebSocketConnector.create()
                .baseUri(baseUri)
                .path(path)
                .executionModel(BasicWebSocketConnector.ExecutionModel.NON_BLOCKING)
                .customizeOptions((connectOptions, clientOptions) -> clientOptions
                        .setConnectTimeout(connectMillis)
                        .setClosingTimeout(closingSeconds)
                        .setMaxMessageSize(maxMessage))
                .onTextMessage((c, text) -> textReceived(token, text))
                .onBinaryMessage((c, bytes) -> binaryReceived(token, bytes))
                .onPong((c, data) -> heartbeat.pongReceived(token))
                .onClose((c, reason) -> socketLost(token, "closed by upstream", reason.getCode(), reason.getMessage(),
                        null))
                .onError((c, failure) -> socketLost(token, "socket error: " + FailureClassifier.describe(failure),
                        null, null, c));
        config.headers().forEach(connector::addHeader);
        config.subprotocols().ifPresent(list -> list.forEach(connector::addSubprotocol));
        return connector;
    }

    private void textReceived(long token, String text) {
        synchronized (this) {
            if (token != socketToken) {
                return;
            }
        }
        received.incrementAndGet();
        inbox.appendText(text);
    }

    private void binaryReceived(long token, Buffer bytes) {
        synchronized (this) {
            if (token != socketToken) {
                return;
            }
        }
        received.incrementAndGet();
        inbox.appendBinary(bytes.getBytes());
    }

    @Override
    public void heartbeatAnswered(long roundTripNanos) {
        observer.heartbeatAnswered(id, roundTripNanos);
    }

    @Override
    public void heartbeatMissed(long token, String detail) {
        WebSocketClientConnection dead;
        synchronized (this) {
            dead = token == socketToken ? socket : null;
        }
        socketLost(token, "heartbeat: " + detail, null, null, dead);
    }

    /** The socket with this token died while open: drop it and start a cycle whose first attempt is at once. */
    private void socketLost(long token, String reason, Integer closeCode, String closeReason,
            WebSocketClientConnection toClose) {
        long newCycle;
        synchronized (this) {
            if (token != socketToken || state != ConnectionState.OPEN) {
                return;
            }
            socketToken++;
            socket = null;
            heartbeat.stop();
            lastError = reason;
            lastCloseCode = closeCode;
            lastCloseReason = closeReason;
            newCycle = beginCycleLocked();
        }
        Log.warnf("[%s] socket lost (%s%s): reconnecting", id, reason,
                closeCode == null ? "" : ", close code " + closeCode);
        if (toClose != null) {
            closeQuietly(toClose, UNEXPECTED_CONDITION, "connection considered dead");
        }
        runCycle(newCycle);
    }

    // --- closing ---

    private CompletionStage<Void> closeWith(int code, String reason, DesiredState newDesired) {
        WebSocketClientConnection toClose;
        CompletableFuture<Void> done;
        synchronized (this) {
            if (newDesired != null) {
                desired = newDesired;
            }
            cycle++;
            probe.stop();
            probeToken = -1;
            nextAttemptAt = null;
            if (state == ConnectionState.CLOSING) {
                return closing;
            }
            socketToken++;
            heartbeat.stop();
            attempt = 0;
            if (state != ConnectionState.OPEN) {
                state = ConnectionState.CLOSED;
                return CompletableFuture.completedFuture(null);
            }
            toClose = socket;
            socket = null;
            state = ConnectionState.CLOSING;
            closing = done = new CompletableFuture<>();
        }
        Log.infof("[%s] closing with %d %s", id, code, reason);
        long timer = timers.schedule(config.closeTimeout(),
                () -> closeFinished(done, code, reason + " (no close frame from upstream in time)"));
        toClose.close(new CloseReason(code, reason)).subscribe().with(
                ok -> {
                    timers.cancel(timer);
                    closeFinished(done, code, reason);
                },
                failure -> {
                    timers.cancel(timer);
                    closeFinished(done, code, reason);
                });
        return done;
    }

    private void closeFinished(CompletableFuture<Void> done, int code, String reason) {
        long newCycle = -1;
        synchronized (this) {
            if (closing != done) {
                return;
            }
            closing = null;
            state = ConnectionState.CLOSED;
            lastCloseCode = code;
            lastCloseReason = reason;
            if (desired == DesiredState.OPEN && !stopped) {
                newCycle = beginCycleLocked();
            }
        }
        Log.infof("[%s] closed", id);
        done.complete(null);
        if (newCycle >= 0) {
            runCycle(newCycle);
        }
    }

    private void closeQuietly(WebSocketClientConnection target, int code, String reason) {
        if (!target.isClosed()) {
            target.close(new CloseReason(code, reason)).subscribe().with(ok -> {
            }, failure -> Log.debugf("[%s] close of a dead socket failed: %s", id, failure.getMessage()));
        }
    }

    // --- sending ---

    private void kickSender() {
        WebSocketClientConnection target;
        long token;
        synchronized (this) {
            if (state != ConnectionState.OPEN || flushing) {
                return;
            }
            flushing = true;
            target = socket;
            token = socketToken;
        }
        flush(target, token);
    }

    private void flush(WebSocketClientConnection target, long token) {
        outbox.head(id, config.outbox().batchSize()).whenComplete((batch, failure) -> {
            if (failure != null) {
                Log.warnf("[%s] reading the outbox failed: %s", id, failure.getMessage());
                synchronized (this) {
                    flushing = false;
                }
                return;
            }
            vertx.runOnContext(v -> write(target, token, batch));
        });
    }

    private void write(WebSocketClientConnection target, long token, List<OutboundMessage> batch) {
        if (batch.isEmpty()) {
            synchronized (this) {
                flushing = false;
            }
            if (outbox.queued(id) > 0) {
                kickSender();
            }
            return;
        }
        int size = batch.size();
        AtomicInteger remaining = new AtomicInteger(size);
        Throwable[] failures = new Throwable[size];
        for (int i = 0; i < size; i++) {
            int index = i;
            OutboundMessage message = batch.get(i);
            Uni<Void> write = message.binary()
                    ? target.sendBinary(Buffer.buffer(message.payload()))
                    : target.sendText(new String(message.payload(), StandardCharsets.UTF_8));
            write.subscribe().with(
                    ok -> {
                        if (remaining.decrementAndGet() == 0) {
                            batchWritten(target, token, batch, failures);
                        }
                    },
                    failure -> {
                        failures[index] = failure;
                        if (remaining.decrementAndGet() == 0) {
                            batchWritten(target, token, batch, failures);
                        }
                    });
        }
    }

    private void batchWritten(WebSocketClientConnection target, long token, List<OutboundMessage> batch,
            Throwable[] failures) {
        int written = 0;
        while (written < batch.size() && failures[written] == null) {
            written++;
        }
        if (written > 0) {
            outbox.markSent(id, batch.subList(0, written), clock.instant());
            sent.addAndGet(written);
        }
        boolean goOn;
        synchronized (this) {
            goOn = written == batch.size() && token == socketToken && state == ConnectionState.OPEN;
            if (!goOn) {
                flushing = false;
            }
        }
        if (written < batch.size()) {
            socketLost(token, "write failed: " + FailureClassifier.describe(failures[written]), null, null, target);
        }
        if (goOn) {
            // continue on the event loop rather than deeper in this stack
            vertx.runOnContext(v -> flush(target, token));
        } else {
            // a newer socket may have opened while this loop ran; it found the loop busy
            kickSender();
        }
    }
}
