package io.longlink.rest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ManagedConnection;
import io.longlink.lifecycle.IntakeGate;
import io.longlink.metrics.ConnectionMetrics;
import io.longlink.outbox.EnqueueRequest;
import io.longlink.outbox.Enqueued;
import io.longlink.outbox.MessageState;
import io.quarkus.runtime.configuration.DurationConverter;

/**
 * What every way of serving an enqueue shares ({@link EnqueueRoute}, {@link MessageResource}): the checks of a
 * request, in the order the contract answers them, and the parts of the 202. Failures are {@link ProblemException}
 * or {@link io.longlink.connection.UnknownConnectionException}, which {@link ProblemMapper} answers.
 */
@Singleton
public class EnqueueIntake {

    private final ConnectionRegistry registry;
    private final IntakeGate gate;
    private final ConnectionMetrics metrics;
    private final ObjectMapper json;

    public EnqueueIntake(ConnectionRegistry registry, IntakeGate gate, ConnectionMetrics metrics, ObjectMapper json) {
        this.registry = registry;
        this.gate = gate;
        this.metrics = metrics;
        this.json = json;
    }

    /** A checked enqueue: the connection and what to store. */
    record Checked(ManagedConnection connection, EnqueueRequest request) {
    }

    /** A checked batch: the connection and what to store, all or nothing. */
    record CheckedBatch(ManagedConnection connection, List<EnqueueRequest> requests) {
    }

    /** 503 {@code shutting-down} once shutdown began. */
    void requireAccepting() {
        if (!gate.accepting()) {
            throw new ProblemException(503, "shutting-down", "Shutting down",
                    "this instance is shutting down and accepts no new messages; retry later",
                    Map.of("Retry-After", Long.toString(gate.retryAfter().toSeconds())));
        }
    }

    /** The connection with this id, 404 when there is none. */
    ManagedConnection connection(String id) {
        return registry.get(id);
    }

    /** Checks one message's request (the caller's access was checked before). */
    Checked check(String id, String contentType, String idempotencyKey, String expiresIn, byte[] body) {
        requireAccepting();
        ManagedConnection connection = registry.get(id);
        MessageBody message = MessageBody.of(contentType, body,
                connection.config().outbox().maxMessageSize().asLongValue());
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey;
        if (key != null && key.length() > EnqueueRequest.MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw ProblemException.badRequest("invalid-idempotency-key", "Invalid Idempotency-Key",
                    "Idempotency-Key has " + key.length() + " characters; at most "
                            + EnqueueRequest.MAX_IDEMPOTENCY_KEY_LENGTH + " are accepted");
        }
        return new Checked(connection, new EnqueueRequest(id, message.binary(), message.payload(), key,
                timeToLive(expiresIn)));
    }

    /**
     * Checks a batch's request ({@code POST .../messages:batch}, a JSON array, see {@link MessageBatch}; the caller's
     * access and the media type were checked before).
     */
    CheckedBatch checkBatch(String id, String idempotencyKey, byte[] body) {
        requireAccepting();
        ManagedConnection connection = registry.get(id);
        if (idempotencyKey != null && !idempotencyKey.isBlank()) {
            throw ProblemException.badRequest("invalid-idempotency-key", "Invalid Idempotency-Key",
                    "Idempotency-Key is not supported on batches; a batch is stored all or nothing");
        }
        List<MessageBody> messages = MessageBatch.parse(json, body, connection.config().outbox().maxBatch(),
                connection.config().outbox().maxMessageSize().asLongValue());
        List<EnqueueRequest> requests = new ArrayList<>(messages.size());
        for (MessageBody m : messages) {
            requests.add(new EnqueueRequest(id, m.binary(), m.payload(), null, null));
        }
        return new CheckedBatch(connection, requests);
    }

    /** An enqueue of connection {@code id} was answered with error {@code status}. */
    void refused(String id, int status) {
        metrics.enqueueRefused(id, status);
    }

    /** A message (or a batch) of connection {@code id} was stored {@code nanos} after its request arrived. */
    void stored(String id, long nanos) {
        metrics.enqueued(id, nanos);
    }

    /** The 202's {@code Location}: relative (RFC 9110), never resolved against a forwarded host. */
    static String location(String id, String messageId) {
        return "/connections/" + id + "/messages/" + messageId;
    }

    /** The 202's body, {@code {"id","state"}}, written without a serializer: an id is digits, a state a name. */
    static String accepted(String messageId, MessageState state) {
        return "{\"id\":\"" + messageId + "\",\"state\":\"" + state.name() + "\"}";
    }

    /** The batch 202's body, {@code {"first","last","count"}}, written without a serializer (digits only). */
    static String batchAccepted(List<Enqueued> stored) {
        return "{\"first\":\"" + stored.get(0).id() + "\",\"last\":\"" + stored.get(stored.size() - 1).id()
                + "\",\"count\":" + stored.size() + "}";
    }

    /** {@code text} as a positive duration (seconds, or such as 500ms, 30s, 5m, PT30S); null when it is not one. */
    static Duration positiveDuration(String text) {
        try {
            Duration duration = DurationConverter.parseDuration(text.trim());
            return duration == null || duration.isNegative() || duration.isZero() ? null : duration;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The {@code X-Expires-In} header as a positive duration; null without the header. */
    private static Duration timeToLive(String expiresIn) {
        if (expiresIn == null || expiresIn.isBlank()) {
            return null;
        }
        Duration ttl = positiveDuration(expiresIn);
        if (ttl == null) {
            throw ProblemException.badRequest("invalid-expires-in", "Invalid X-Expires-In",
                    "X-Expires-In must be a positive number of seconds or a duration such as 500ms, 30s, 5m or PT30S");
        }
        return ttl;
    }
}
