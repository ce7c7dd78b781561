package io.longlink.outbox;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.longlink.config.LonglinkConfig;

/**
 * Outbox held in memory: fast, and lost with the process. Each connection's queue is guarded by its own
 * monitor, so connections never contend with each other.
 */
@ApplicationScoped
public class InMemoryOutboxStore implements OutboxStore {

    private final Clock clock;
    private final LonglinkConfig config;
    private final Map<String, ConnectionQueue> queues = new ConcurrentHashMap<>();

    public InMemoryOutboxStore(Clock clock, LonglinkConfig config) {
        this.clock = clock;
        this.config = config;
    }

    @Override
    public CompletionStage<OutboundMessage> enqueue(EnqueueRequest request) {
        try {
            return CompletableFuture.completedFuture(queue(request.connectionId()).add(request, clock.instant()));
        } catch (OutboxFullException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public List<OutboundMessage> head(String connectionId, int max) {
        return queue(connectionId).head(max);
    }

    @Override
    public void markSent(String connectionId, List<OutboundMessage> messages, Instant at) {
        queue(connectionId).markSent(messages, at);
    }

    @Override
    public Optional<MessageStatus> find(String connectionId, long messageId) {
        return queue(connectionId).find(messageId);
    }

    @Override
    public int queued(String connectionId) {
        return queue(connectionId).size();
    }

    private ConnectionQueue queue(String connectionId) {
        return queues.computeIfAbsent(connectionId, id -> {
            LonglinkConfig.ConnectionConfig c = config.connections().get(id);
            return new ConnectionQueue(id, c == null ? 0 : c.outbox().retainSent());
        });
    }

    /** One connection's queue; all fields are guarded by {@code this}. */
    private static final class ConnectionQueue {
        private final String connectionId;
        private final int retainSent;
        /** Messages waiting, oldest first. */
        private final ArrayDeque<OutboundMessage> waiting = new ArrayDeque<>();
        /** The same messages by id, for lookups. */
        private final Map<Long, OutboundMessage> waitingById = new HashMap<>();
        /** States of sent messages, oldest first, at most {@code retainSent}. */
        private final LinkedHashMap<Long, MessageStatus> sent = new LinkedHashMap<>();
        /** Idempotency keys seen, oldest first, with the id of the message each one produced. */
        private final LinkedHashMap<String, Long> keys = new LinkedHashMap<>();
        private long nextId = 1;

        ConnectionQueue(String connectionId, int retainSent) {
            this.connectionId = connectionId;
            this.retainSent = retainSent;
        }

        synchronized OutboundMessage add(EnqueueRequest request, Instant now) {
            if (request.idempotencyKey() != null) {
                Long first = keys.get(request.idempotencyKey());
                if (first != null) {
                    OutboundMessage queued = waitingById.get(first);
                    if (queued != null) {
                        return queued;
                    }
                    MessageStatus done = sent.get(first);
                    return new OutboundMessage(first, request.binary(), request.payload(),
                            done == null ? now : done.enqueuedAt());
                }
            }
            if (waiting.size() >= request.capacity()) {
                throw new OutboxFullException(connectionId, request.capacity());
            }
            OutboundMessage message = new OutboundMessage(nextId++, request.binary(), request.payload(), now);
            waiting.addLast(message);
            waitingById.put(message.id(), message);
            if (request.idempotencyKey() != null) {
                keys.put(request.idempotencyKey(), message.id());
                trim(keys, Math.max(retainSent, 1));
            }
            return message;
        }

        synchronized List<OutboundMessage> head(int max) {
            List<OutboundMessage> head = new ArrayList<>(Math.min(max, waiting.size()));
            for (OutboundMessage m : waiting) {
                if (head.size() == max) {
                    break;
                }
                head.add(m);
            }
            return head;
        }

        synchronized void markSent(List<OutboundMessage> messages, Instant at) {
            for (OutboundMessage m : messages) {
                OutboundMessage first = waiting.peekFirst();
                if (first == null || first.id() != m.id()) {
                    throw new IllegalStateException("markSent out of order for " + connectionId + ": " + m.id());
                }
                waiting.removeFirst();
                waitingById.remove(m.id());
                sent.put(m.id(), new MessageStatus(Long.toString(m.id()), MessageState.SENT, m.enqueuedAt(), at));
            }
            trim(sent, retainSent);
        }

        synchronized Optional<MessageStatus> find(long id) {
            OutboundMessage queued = waitingById.get(id);
            if (queued != null) {
                return Optional.of(new MessageStatus(Long.toString(id), MessageState.QUEUED, queued.enqueuedAt(), null));
            }
            return Optional.ofNullable(sent.get(id));
        }

        synchronized int size() {
            return waiting.size();
        }

        private static void trim(LinkedHashMap<?, ?> map, int max) {
            var it = map.entrySet().iterator();
            while (map.size() > max && it.hasNext()) {
                it.next();
                it.remove();
            }
        }
    }
}
