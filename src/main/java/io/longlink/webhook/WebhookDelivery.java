package io.longlink.webhook;

import java.net.URI;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.util.TypeLiteral;

import io.longlink.config.LonglinkConfig;
import io.longlink.connection.WebhookStatus;
import io.longlink.inbox.InboundLog;
import io.longlink.inbox.InboundMessage;
import io.longlink.session.Template;
import io.quarkus.logging.Log;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Pushes one connection's inbound log to its {@code inbound.webhook.url}: batches of up to {@code max-batch}
 * messages read by cursor, POSTed one at a time, in seq order, signed as Standard Webhooks.
 *
 * <ul>
 * <li>A batch is fixed once read: every retry sends the same body under the same {@code webhook-id}
 * ({@code <connection>-<first seq>}), freshly timestamped and signed, so a receiver can deduplicate by id.</li>
 * <li>Any 2xx acknowledges: the cursor moves past the batch and is stored before the next batch is sent, so after a
 * crash only the batch in flight is sent again. Anything else, a timeout or no connection is retried through a
 * SmallRye Fault Tolerance guard (exponential backoff with jitter, no limit): never skipped, never reordered.</li>
 * <li>410 Gone stops delivery ({@link WebhookStatus.State#STOPPED}), remembered across restarts, until the url
 * changes.</li>
 * <li>It wakes on the log's listener, which only signals: the batch is read and serialised on a worker thread and
 * POSTed from its own Vert.x context with its own one-connection HTTP client, so nothing of it runs on the upstream
 * socket's event loop, and a slow or dead receiver holds up nothing but this webhook (its backlog stays in the
 * log, never in memory: one batch is read at a time).</li>
 * </ul>
 *
 * <p>{@code busy}, {@code woken}, {@code stopped}, {@code state}, {@code deliveredSeq} and {@code lastError} are
 * guarded by {@code this}; at most one batch is in flight ({@code busy}).
 */
public final class WebhookDelivery {

    private static final TypeLiteral<CompletionStage<Void>> ATTEMPT = new TypeLiteral<>() {
    };

    private final String connectionId;
    private final URI url;
    private final LonglinkConfig.Webhook config;
    private final InboundLog log;
    private final WebhookCursors cursors;
    private final SecretTemplate secret;
    private final Vertx vertx;
    private final Context context;
    /** Where batches are read and serialised: the application's worker pool. */
    private final Executor workers = Infrastructure.getDefaultWorkerPool();
    private final Clock clock;
    private final HttpClient http;
    private final TypedGuard<CompletionStage<Void>> guard;
    private final Runnable listener = this::wake;
    /** Messages acknowledged since start. */
    private final AtomicLong deliveredTotal = new AtomicLong();
    /** Attempts that failed since start. */
    private final AtomicLong failedAttempts = new AtomicLong();

    /** A batch is being read, sent or retried. */
    private boolean busy;
    /** New inbound arrived while busy: look again when done. */
    private boolean woken;
    /** Shut down: nothing more is sent. */
    private boolean stopped;
    private WebhookStatus.State state = WebhookStatus.State.DELIVERING;
    /** Seq of the last acknowledged message. */
    private long deliveredSeq;
    /** The save of the last acknowledged cursor; the batch after the next waits for it. */
    private CompletionStage<Void> unsavedCursor = CompletableFuture.completedFuture(null);
    private String lastError;

    /** {@code secret} is {@code inbound.webhook.secret} as the connection's plan parsed it, or null. */
    WebhookDelivery(String connectionId, URI url, LonglinkConfig.Webhook config, Template secret, InboundLog log,
            WebhookCursors cursors, Vertx vertx, Clock clock) {
        this.connectionId = connectionId;
        this.url = url;
        this.config = config;
        this.log = log;
        this.cursors = cursors;
        this.secret = secret == null ? null : new SecretTemplate(secret, vertx);
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.clock = clock;
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis());
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(timeoutMillis),
                new PoolOptions().setHttp1MaxSize(1));
        LonglinkConfig.WebhookRetry retry = config.retry();
        this.guard = TypedGuard.create(ATTEMPT)
                .withDescription("webhook " + connectionId)
                .withRetry()
                .maxRetries(-1)
                .delay(retry.initialDelay().toMillis(), ChronoUnit.MILLIS)
                .jitter(retry.jitter().toMillis(), ChronoUnit.MILLIS)
                .maxDuration(0, ChronoUnit.MILLIS)
                .abortOn(List.of(WebhookGoneException.class, DeliveryStoppedException.class))
                .withExponentialBackoff()
                .factor(2)
                .maxDelay(Math.max(retry.initialDelay().toMillis(), retry.maxDelay().toMillis()), ChronoUnit.MILLIS)
                .done()
                .done()
                .build();
        this.deliveredSeq = cursors.delivered(connectionId);
        if (cursors.gone(connectionId, url)) {
            state = WebhookStatus.State.STOPPED;
            lastError = new WebhookGoneException().getMessage();
        }
    }

    public String connectionId() {
        return connectionId;
    }

    /** Starts listening to the log and delivers what is there already. */
    void start() {
        synchronized (this) {
            if (state == WebhookStatus.State.STOPPED) {
                Log.warnf("[%s] webhook stopped: the receiver answered 410 Gone; change inbound.webhook.url to resume",
                        connectionId);
                return;
            }
        }
        Log.infof("[%s] webhook delivering to %s after seq %d", connectionId, redactedUrl(), deliveredSeq());
        log.addListener(listener);
        wake();
    }

    /** Stops for good (shutdown): the batch in flight is abandoned and will be sent again after a restart. */
    void stop() {
        synchronized (this) {
            stopped = true;
        }
        log.removeListener(listener);
        http.close();
    }

    public synchronized WebhookStatus status() {
        return new WebhookStatus(deliveredSeq, lag(), lastError, state);
    }

    public synchronized long deliveredSeq() {
        return deliveredSeq;
    }

    /** Stored inbound messages not acknowledged yet. */
    public long lag() {
        return Math.max(0, log.lastSeq() - deliveredSeq());
    }

    public long deliveredTotal() {
        return deliveredTotal.get();
    }

    public long failedAttempts() {
        return failedAttempts.get();
    }

    /** New inbound, or a batch done: start the next batch unless one is in flight. Cheap: called by the socket. */
    private void wake() {
        synchronized (this) {
            if (busy || stopped || state == WebhookStatus.State.STOPPED) {
                woken = true;
                return;
            }
            busy = true;
            woken = false;
        }
        workers.execute(this::deliverNext);
    }

    private void deliverNext() {
        long after = deliveredSeq();
        CompletionStage<Boolean> done;
        try {
            done = log.read(after, Math.max(1, config.maxBatch()))
                    .thenComposeAsync(batch -> batch.isEmpty() ? CompletableFuture.completedFuture(false)
                            : deliver(after, batch).thenApply(v -> true), workers);
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.whenComplete(this::batchEnded);
    }

    private void batchEnded(Boolean sent, Throwable failure) {
        Throwable cause = unwrap(failure);
        boolean again;
        boolean later = false;
        synchronized (this) {
            busy = false;
            if (stopped || state == WebhookStatus.State.STOPPED) {
                return;
            }
            if (cause != null) {
                // the log could not be read (store unavailable): look again after a retry delay
                lastError = "inbound log unreadable: " + cause.getMessage();
                state = WebhookStatus.State.RETRYING;
                later = true;
                again = false;
            } else {
                again = sent || woken;
            }
        }
        if (later) {
            Log.warnf("[%s] webhook: %s", connectionId, cause.getMessage());
            vertx.setTimer(Math.max(1, config.retry().initialDelay().toMillis()), t -> wake());
        } else if (again) {
            wake();
        }
    }

    private CompletionStage<Void> deliver(long after, List<InboundMessage> batch) {
        InboundMessage first = batch.get(0);
        long last = batch.get(batch.size() - 1).seq();
        if (first.seq() != after + 1) {
            Log.warnf("[%s] webhook: messages %d to %d were pruned before they were delivered", connectionId,
                    after + 1, first.seq() - 1);
        }
        String webhookId = connectionId + "-" + first.seq();
        Buffer body = WebhookBody.of(connectionId, batch);
        return guard.get(() -> attempt(webhookId, body))
                .handle((v, failure) -> {
                    Throwable cause = unwrap(failure);
                    if (cause instanceof WebhookGoneException gone) {
                        goneAt(gone);
                    } else if (cause != null && !(cause instanceof DeliveryStoppedException)) {
                        throw new CompletionException(cause);
                    }
                    return cause == null;
                })
                .thenCompose(acknowledged -> acknowledged ? acknowledged(batch.size(), last)
                        : CompletableFuture.completedFuture(null));
    }

    /** One POST of the batch; fails unless the receiver answered 2xx. */
    private CompletionStage<Void> attempt(String webhookId, Buffer body) {
        synchronized (this) {
            if (stopped) {
                return CompletableFuture.failedFuture(new DeliveryStoppedException());
            }
        }
        CompletionStage<byte[]> key = secret == null ? CompletableFuture.completedFuture(null) : secret.key();
        return key.thenCompose(k -> post(webhookId, body, k))
                .whenComplete((v, failure) -> {
                    Throwable cause = unwrap(failure);
                    if (cause != null && !(cause instanceof DeliveryStoppedException)) {
                        failed(webhookId, cause);
                    }
                });
    }

    private CompletionStage<Void> post(String webhookId, Buffer body, byte[] key) {
        long timestamp = clock.instant().getEpochSecond();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .putHeader("content-type", "application/json")
                .putHeader("webhook-id", webhookId)
                .putHeader("webhook-timestamp", Long.toString(timestamp));
        if (key != null) {
            options.putHeader("webhook-signature", WebhookSigner.sign(key, webhookId, timestamp, body));
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        AtomicReference<HttpClientRequest> request = new AtomicReference<>();
        long timeoutMillis = Math.max(1, config.timeout().toMillis());
        long timer = vertx.setTimer(timeoutMillis, t -> {
            if (result.completeExceptionally(new WebhookRejectedException("no answer within " + config.timeout()))) {
                HttpClientRequest r = request.get();
                if (r != null) {
                    r.reset();
                }
            }
        });
        // each attempt sends its own copy: a buffer handed to Netty is not sent twice
        Buffer bytes = body.copy();
        context.runOnContext(v -> http.request(options)
                .compose(r -> {
                    request.set(r);
                    return r.send(bytes);
                })
                .compose(response -> response.body().map(ignored -> response.statusCode()))
                .onComplete(answer -> {
                    vertx.cancelTimer(timer);
                    if (answer.failed()) {
                        result.completeExceptionally(new WebhookRejectedException(
                                "request failed: " + answer.cause().getMessage()));
                    } else if (answer.result() == 410) {
                        result.completeExceptionally(new WebhookGoneException());
                    } else if (answer.result() / 100 != 2) {
                        result.completeExceptionally(new WebhookRejectedException("HTTP " + answer.result()));
                    } else {
                        result.complete(null);
                    }
                }));
        return result;
    }

    private void failed(String webhookId, Throwable cause) {
        failedAttempts.incrementAndGet();
        boolean first;
        synchronized (this) {
            first = state != WebhookStatus.State.RETRYING;
            if (!(cause instanceof WebhookGoneException)) {
                state = WebhookStatus.State.RETRYING;
                lastError = cause.getMessage();
            }
        }
        if (first) {
            Log.warnf("[%s] webhook %s not acknowledged: %s; retrying with backoff", connectionId, webhookId,
                    cause.getMessage());
        } else {
            Log.debugf("[%s] webhook %s not acknowledged: %s", connectionId, webhookId, cause.getMessage());
        }
    }

    private CompletionStage<Void> acknowledged(int count, long lastSeq) {
        boolean recovered;
        synchronized (this) {
            deliveredSeq = lastSeq;
            recovered = state == WebhookStatus.State.RETRYING;
            state = WebhookStatus.State.DELIVERING;
            lastError = null;
        }
        deliveredTotal.addAndGet(count);
        if (recovered) {
            Log.infof("[%s] webhook acknowledged again, up to seq %d", connectionId, lastSeq);
        }
        CompletionStage<Void> saved = cursors.save(connectionId, lastSeq).exceptionally(e -> {
            // delivery goes on; upkeep stores the cursor once the store can be written again
            Log.debugf("[%s] webhook cursor %d not stored yet: %s", connectionId, lastSeq, e.getMessage());
            return null;
        });
        // The next batch waits for the cursor before this one, not for this one: behind a fast feed a group commit
        // takes longer than a POST, and waiting for it halved the rate. So at most two batches are acknowledged and
        // not stored (cursors commit in order): after a crash, the batch in flight and the one before it may come
        // again. Pruning only ever trusts the stored cursor.
        CompletionStage<Void> previous;
        synchronized (this) {
            previous = unsavedCursor;
            unsavedCursor = saved;
        }
        return previous;
    }

    private void goneAt(WebhookGoneException gone) {
        synchronized (this) {
            state = WebhookStatus.State.STOPPED;
            lastError = gone.getMessage();
        }
        log.removeListener(listener);
        cursors.markGone(connectionId, url);
        Log.warnf("[%s] webhook stopped: %s", connectionId, gone.getMessage());
    }

    /** The receiver's url without userinfo or query, for logs. */
    private String redactedUrl() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "")
                + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
