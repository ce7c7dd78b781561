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
import java.util.function.ToIntFunction;

/**
 * Outbox held in memory ({@code longlink.store.kind=memory}): fast, and lost with the process. Each connection
 * has its own {@link Intake}, whose monitor guards its id counter, its idempotency keys and the decision to
 * accept, so connections never contend with each other. Keys are remembered by count only
 * ({@code longlink.store.idempotency-keys} per connection).
 */
public class InMemoryOutboxStore implements OutboxStore {

    private final Clock clock;
    private final ToIntFunction<String> retainSent;
    private final int idempotencyKeys;
    private final Map<String, Intake> intakes = new ConcurrentHashMap<>();

    /**
     * @param retainSent how many sent messages' states stay readable, per connection id
     * @param idempotencyKeys how many idempotency keys are remembered per connection
     */
    public InMemoryOutboxStore(Clock clock, ToIntFunction<String> retainSent, int idempotencyKeys) {
        this.clock = clock;
        this.retainSent = retainSent;
        this.idempotencyKeys = idempotencyKeys;
    }

    @Override
    public CompletionStage<OutboundMessage> enqueue(EnqueueRequest request) {
        try {
            return CompletableFuture.completedFuture(intake(request.connectionId()).add(request, clock.instant()));
        } catch (OutboxFullException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<List<OutboundMessage>> head(String connectionId, int max) {
        return CompletableFuture.completedFuture(intake(connectionId).queue.head(max, clock.instant()).batch());
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
    public void discard(String connectionId) {
        intakes.remove(connectionId);
    }

    private Intake intake(String connectionId) {
        return intakes.computeIfAbsent(connectionId,
                id -> new Intake(new OutboxQueue(id, retainSent.applyAsInt(id)), idempotencyKeys));
    }

    /** Accepts one connection's messages; all fields are guarded by {@code this}. */
    private static final class Intake {
        private final OutboxQueue queue;
        private final int maxKeys;
        /** Idempotency keys seen, oldest first, with the id of the message each one produced. */
        private final LinkedHashMap<String, Long> keys = new LinkedHashMap<>();
        private long nextId = 1;

        Intake(OutboxQueue queue, int maxKeys) {
            this.queue = queue;
            this.maxKeys = maxKeys;
        }

        synchronized OutboundMessage add(EnqueueRequest request, Instant now) {
            if (request.idempotencyKey() != null) {
                Long first = keys.get(request.idempotencyKey());
                if (first != null) {
                    Instant enqueuedAt = queue.find(first, now).map(MessageStatus::enqueuedAt).orElse(now);
                    return new OutboundMessage(first, request.binary(), request.payload(), enqueuedAt);
                }
            }
            if (queue.size() >= request.capacity()) {
                throw new OutboxFullException(request.connectionId(), request.capacity());
            }
            OutboundMessage message = new OutboundMessage(nextId++, request.binary(), request.payload(), now);
            queue.append(message, request.timeToLive() == null ? null : now.plus(request.timeToLive()));
            if (request.idempotencyKey() != null) {
                keys.put(request.idempotencyKey(), message.id());
                var it = keys.keySet().iterator();
                while (keys.size() > maxKeys && it.hasNext()) {
                    it.next();
                    it.remove();
                }
            }
            return message;
        }
    }
}
