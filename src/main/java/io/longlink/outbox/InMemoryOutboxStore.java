package io.longlink.outbox;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Outbox held in memory ({@code longlink.store.kind=memory}): fast, and lost with the process. Each connection
 * has its own {@link Intake}, whose monitor guards its id counter, its idempotency keys and the decision to
 * accept, so connections never contend with each other. Keys are remembered by count only
 * ({@code longlink.store.idempotency-keys} per connection).
 */
public class InMemoryOutboxStore implements OutboxStore {

    private final Clock clock;
    private final Function<String, OutboxSettings> settings;
    private final int idempotencyKeys;
    /** Most payload bytes {@link #head} hands out at once (always at least one message). */
    private final long batchBytes;
    private final Map<String, Intake> intakes = new ConcurrentHashMap<>();

    /** A store whose {@link #head} is bounded by count only. */
    public InMemoryOutboxStore(Clock clock, Function<String, OutboxSettings> settings, int idempotencyKeys) {
        this(clock, settings, idempotencyKeys, Long.MAX_VALUE);
    }

    /**
     * @param settings each connection's limits, by connection id
     * @param idempotencyKeys how many idempotency keys are remembered per connection
     * @param batchBytes most payload bytes one {@link #head} hands out (always at least one message), so that a
     *        flush step of large messages does not copy a heap's worth into socket buffers at once
     */
    public InMemoryOutboxStore(Clock clock, Function<String, OutboxSettings> settings, int idempotencyKeys,
            long batchBytes) {
        this.clock = clock;
        this.settings = settings;
        this.idempotencyKeys = idempotencyKeys;
        this.batchBytes = batchBytes;
    }

    @Override
    public CompletionStage<Enqueued> enqueue(EnqueueRequest request) {
        try {
            return CompletableFuture.completedFuture(intake(request.connectionId()).add(request,
                    settings.apply(request.connectionId()), clock.instant()));
        } catch (OutboxFullException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<List<Enqueued>> enqueueAll(String connectionId, List<EnqueueRequest> requests) {
        try {
            return CompletableFuture.completedFuture(intake(connectionId).addAll(requests,
                    settings.apply(connectionId), clock.instant()));
        } catch (OutboxFullException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<List<OutboundMessage>> head(String connectionId, int max) {
        List<OutboundMessage> batch = intake(connectionId).queue.head(max, batchBytes, clock.instant()).batch()
                .stream().map(w -> w.withPayload(w.payload())).toList();
        return CompletableFuture.completedFuture(batch);
    }

    @Override
    public void markSent(String connectionId, List<OutboundMessage> messages, Instant at) {
        intake(connectionId).queue.markSent(messages, at);
    }

    @Override
    public Optional<MessageStatus> find(String connectionId, long messageId) {
        return intake(connectionId).queue.find(messageId, clock.instant());
    }

    @Override
    public int queued(String connectionId) {
        return intake(connectionId).queue.size();
    }

    @Override
    public long newestQueued(String connectionId) {
        return intake(connectionId).queue.newest();
    }

    @Override
    public void discard(String connectionId) {
        intakes.remove(connectionId);
    }

    private Intake intake(String connectionId) {
        return intakes.computeIfAbsent(connectionId,
                id -> new Intake(new OutboxQueue(id, settings.apply(id).retainSent()), idempotencyKeys));
    }

    /** Accepts one connection's messages; all fields are guarded by {@code this}. */
    private static final class Intake {
        private final OutboxQueue queue;
        private final int maxKeys;
        /** Idempotency keys seen, oldest first, with the id of the message each one produced. */
        private final LinkedHashMap<String, Long> keys = new LinkedHashMap<>();
        private long lastId;

        Intake(OutboxQueue queue, int maxKeys) {
            this.queue = queue;
            this.maxKeys = maxKeys;
        }

        /** All of them, or none when they do not all fit. */
        synchronized List<Enqueued> addAll(List<EnqueueRequest> requests, OutboxSettings limits, Instant now) {
            long bytes = requests.stream().mapToLong(r -> r.payload().length).sum();
            OutboxFullException full = limits.refusal(requests.get(0).connectionId(), queue.size(), queue.bytes(),
                    requests.size(), bytes);
            if (full != null) {
                throw full;
            }
            List<Enqueued> stored = new java.util.ArrayList<>(requests.size());
            for (EnqueueRequest request : requests) {
                stored.add(add(request, limits, now));
            }
            return stored;
        }

        synchronized Enqueued add(EnqueueRequest request, OutboxSettings limits, Instant now) {
            if (request.idempotencyKey() != null) {
                Long first = keys.get(request.idempotencyKey());
                if (first != null) {
                    return queue.repeatOf(first, now);
                }
            }
            OutboxFullException full = limits.refusal(request.connectionId(), queue.size(), queue.bytes(),
                    request.payload().length);
            if (full != null) {
                throw full;
            }
            long id = ++lastId;
            queue.append(new OutboxQueue.Waiting(id, request.binary(), request.payload().length, now,
                    request.timeToLive() == null ? null : now.plus(request.timeToLive()), request.payload()));
            if (request.idempotencyKey() != null) {
                keys.put(request.idempotencyKey(), id);
                var it = keys.keySet().iterator();
                while (keys.size() > maxKeys && it.hasNext()) {
                    it.next();
                    it.remove();
                }
            }
            return Enqueued.stored(id);
        }
    }
}
