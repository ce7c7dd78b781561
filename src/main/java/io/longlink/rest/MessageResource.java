package io.longlink.rest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Duration;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;

import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ManagedConnection;
import io.longlink.lifecycle.IntakeGate;
import io.longlink.metrics.ConnectionMetrics;
import io.longlink.outbox.EnqueueRequest;
import io.longlink.outbox.MessageState;
import io.longlink.outbox.MessageStatus;
import io.longlink.outbox.OutboxStore;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;

/**
 * The outbox of a connection over HTTP. Enqueue runs on the event loop and answers as soon as the store has
 * the message (for the durable store: once the commit holding it returned), whatever the connection's state.
 *
 * <p>Optional request headers of enqueue: {@code Idempotency-Key} (a repeat answers the first message's id and
 * queues nothing) and {@code X-Expires-In}, the message's time to live: whole seconds ({@code 30}) or a duration
 * ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code PT30S}). A message not sent within it is
 * {@code EXPIRED} and never sent.
 */
@Path("/connections/{id}/messages")
@Produces(MediaType.APPLICATION_JSON)
@NonBlocking
@Tag(name = "Messages")
public class MessageResource {

    private final ConnectionRegistry registry;
    private final OutboxStore outbox;
    private final IntakeGate gate;
    private final ConnectionMetrics metrics;

    public MessageResource(ConnectionRegistry registry, OutboxStore outbox, IntakeGate gate,
            ConnectionMetrics metrics) {
        this.registry = registry;
        this.outbox = outbox;
        this.gate = gate;
        this.metrics = metrics;
    }

    /** What a 202 answers. */
    @RegisterForReflection
    public record Accepted(String id, MessageState state) {
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Enqueue a message", description = "Stores the message and answers at once, whatever the "
            + "connection's state; it is sent as one frame, in order, once the connection is open.")
    @RequestBody(ref = "Message")
    @APIResponse(responseCode = "202", ref = "Accepted")
    @APIResponse(responseCode = "400", ref = "BadMessage")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    @APIResponse(responseCode = "413", ref = "MessageTooLarge")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "503", ref = "Unavailable")
    public Uni<Response> enqueue(@RestPath String id, @RestHeader("Content-Type") String contentType,
            @RestHeader("Idempotency-Key") String idempotencyKey, @RestHeader("X-Expires-In") String expiresIn,
            byte[] body) {
        long startedNanos = System.nanoTime();
        if (!gate.accepting()) {
            throw new ProblemException(503, "shutting-down", "Shutting down",
                    "this instance is shutting down and accepts no new messages; retry later",
                    Map.of("Retry-After", Long.toString(gate.retryAfter().toSeconds())));
        }
        ManagedConnection connection = registry.get(id);
        MediaType type = parse(contentType);
        boolean binary = isBinary(type, contentType);
        byte[] payload = body == null ? new byte[0] : body;
        if (payload.length == 0) {
            throw ProblemException.badRequest("empty-body", "Empty body", "a message must have at least one byte");
        }
        long max = connection.config().outbox().maxMessageSize().asLongValue();
        if (payload.length > max) {
            throw new ProblemException(413, "message-too-large", "Message too large",
                    "the body has " + payload.length + " bytes; this connection accepts at most " + max);
        }
        if (!binary) {
            payload = toUtf8(payload, type, contentType);
        }
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey;
        if (key != null && key.length() > EnqueueRequest.MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw ProblemException.badRequest("invalid-idempotency-key", "Invalid Idempotency-Key",
                    "Idempotency-Key has " + key.length() + " characters; at most "
                            + EnqueueRequest.MAX_IDEMPOTENCY_KEY_LENGTH + " are accepted");
        }
        EnqueueRequest request = new EnqueueRequest(id, binary, payload, key, timeToLive(expiresIn));
        return Uni.createFrom().completionStage(() -> outbox.enqueue(request)).map(enqueued -> {
            connection.messageQueued();
            String messageId = Long.toString(enqueued.id());
            metrics.enqueued(id, System.nanoTime() - startedNanos);
            // a relative Location (RFC 9110) as a plain header: location(URI) would resolve it against the
            // request's forwarded host on every request
            return Response.accepted(new Accepted(messageId, enqueued.state()))
                    .header(HttpHeaders.LOCATION, "/connections/" + id + "/messages/" + messageId)
                    .build();
        });
    }

    @GET
    @Path("/{messageId}")
    @Operation(summary = "Read a message's state")
    @APIResponse(responseCode = "200", ref = "MessageStatus")
    @APIResponse(responseCode = "404", ref = "UnknownMessage")
    public MessageStatus get(@RestPath String id, @RestPath String messageId) {
        registry.get(id);
        long number;
        try {
            number = Long.parseLong(messageId);
        } catch (NumberFormatException e) {
            throw unknownMessage(id, messageId);
        }
        return outbox.find(id, number).orElseThrow(() -> unknownMessage(id, messageId));
    }

    /** The {@code X-Expires-In} header as a positive duration; null without the header. */
    private static Duration timeToLive(String expiresIn) {
        if (expiresIn == null || expiresIn.isBlank()) {
            return null;
        }
        Duration ttl;
        try {
            ttl = DurationConverter.parseDuration(expiresIn.trim());
        } catch (RuntimeException e) {
            ttl = null;
        }
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw ProblemException.badRequest("invalid-expires-in", "Invalid X-Expires-In",
                    "X-Expires-In must be a positive number of seconds or a duration such as 500ms, 30s, 5m or PT30S");
        }
        return ttl;
    }

    private static ProblemException unknownMessage(String id, String messageId) {
        return new ProblemException(404, "unknown-message", "Unknown message",
                "connection " + id + " has no message '" + messageId + "'");
    }

    /** text/*, application/json and +json go as text frames, application/octet-stream as binary; else 415. */
    private static boolean isBinary(MediaType type, String contentType) {
        if (type.isCompatible(MediaType.APPLICATION_OCTET_STREAM_TYPE) && !type.isWildcardType()
                && !type.isWildcardSubtype()) {
            return true;
        }
        boolean text = "text".equalsIgnoreCase(type.getType()) && !type.isWildcardSubtype();
        boolean json = "application".equalsIgnoreCase(type.getType())
                && ("json".equalsIgnoreCase(type.getSubtype()) || type.getSubtype().toLowerCase().endsWith("+json"));
        if (text || json) {
            return false;
        }
        throw unsupported(contentType);
    }

    private static MediaType parse(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw unsupported("none");
        }
        try {
            return MediaType.valueOf(contentType);
        } catch (IllegalArgumentException e) {
            throw unsupported(contentType);
        }
    }

    private static ProblemException unsupported(String contentType) {
        return new ProblemException(415, "unsupported-media-type", "Unsupported media type",
                "Content-Type " + contentType
                        + " is not accepted; use text/*, application/json (text frame) or application/octet-stream (binary frame)",
                Map.of());
    }

    /** The body as UTF-8, decoded strictly from its declared charset (UTF-8 when none is declared). */
    private static byte[] toUtf8(byte[] body, MediaType type, String contentType) {
        String name = type.getParameters().get(MediaType.CHARSET_PARAMETER);
        Charset charset;
        try {
            charset = name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw unsupported(contentType);
        }
        String text;
        try {
            text = charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw ProblemException.badRequest("invalid-text", "Invalid text",
                    "the body is not valid " + charset.name() + " text");
        }
        return charset.equals(StandardCharsets.UTF_8) ? body : text.getBytes(StandardCharsets.UTF_8);
    }
}
