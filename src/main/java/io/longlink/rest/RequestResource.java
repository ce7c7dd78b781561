package io.longlink.rest;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import io.longlink.config.LonglinkConfig;
import io.longlink.connection.ManagedConnection;
import io.longlink.connection.Reply;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.smallrye.common.annotation.NonBlocking;

/**
 * Request and reply over a connection's socket as one HTTP call: the body goes upstream as one text frame, in
 * arrival order with the outbox, and the answer is the upstream's reply (matched by id, see
 * {@link io.longlink.connection.PendingRequests}) or a problem saying whether the request was written. Runs on the
 * event loop; nothing is stored.
 */
@Path("/connections/{id}/requests")
@NonBlocking
@Tag(name = "Requests")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
public class RequestResource {

    /** The id the request carried: the caller's, or the one longlink set. */
    public static final String REQUEST_ID = "Longlink-Request-Id";
    /** Milliseconds from the request's write to its reply. */
    public static final String ROUND_TRIP = "Longlink-Round-Trip-Ms";

    private final EnqueueIntake intake;
    @Inject
    ConnectionAccess access;

    public RequestResource(EnqueueIntake intake) {
        this.intake = intake;
    }

    @POST
    @RolesAllowed(Roles.PRODUCER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Send a request and wait for its reply", description = "Sends the JSON body upstream as one "
            + "text frame, in arrival order with the outbox, and answers with the upstream's reply: the inbound "
            + "message whose value at `requests.reply-pointer` equals the request's id (at `requests.id-pointer`; "
            + "the caller's, or a fresh number longlink sets there). Never stored, never re-sent.")
    @RequestBody(ref = "Request")
    @APIResponse(responseCode = "200", ref = "Reply")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    @APIResponse(responseCode = "409", ref = "DuplicateRequestId")
    @APIResponse(responseCode = "413", ref = "MessageTooLarge")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "502", ref = "SocketLost")
    @APIResponse(responseCode = "503", ref = "RequestNotSent")
    @APIResponse(responseCode = "504", ref = "ReplyTimeout")
    public CompletionStage<Response> request(@RestPath String id,
            @Parameter(description = "How long to wait for the write and the reply together, e.g. `500ms`, `30s` "
                    + "(default `requests.timeout`, at most `requests.max-timeout`)") @RestQuery String timeout,
            @RestHeader("Content-Type") String contentType, byte[] body) {
        access.check(id);
        CompletableFuture<Response> answer = new CompletableFuture<>();
        reply(intake, id, timeout, contentType, body).whenComplete((r, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(ProblemMapper.unwrapped(failure));
            } else {
                answer.complete(Response.ok(r.body(), MediaType.APPLICATION_JSON_TYPE).header(REQUEST_ID, r.requestId())
                        .header(ROUND_TRIP, Long.toString(r.roundTripNanos() / 1_000_000)).build());
            }
        });
        return answer;
    }

    /**
     * The request of a caller allowed to make it, on this instance: its reply, or a failure for the problem mapper
     * (bad input, an unknown connection, a closed intake, and each outcome of {@link ManagedConnection#request}).
     * The REST resource and {@link EnqueueRoute} both answer through it.
     */
    static CompletionStage<Reply> reply(EnqueueIntake intake, String id, String timeout, String contentType,
            byte[] body) {
        try {
            intake.requireAccepting();
            ManagedConnection connection = intake.connection(id);
            LonglinkConfig.ConnectionConfig config = connection.config();
            MessageBody message = MessageBody.of(contentType, body, config.outbox().maxMessageSize().asLongValue());
            return connection.request(message.payload(), timeout(timeout, config.requests()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** {@code ?timeout=}: a positive duration up to {@code requests.max-timeout}; the default without it. */
    private static Duration timeout(String text, LonglinkConfig.Requests settings) {
        if (text == null || text.isBlank()) {
            return settings.timeout();
        }
        Duration timeout = EnqueueIntake.positiveDuration(text);
        if (timeout == null) {
            throw ProblemException.badRequest("invalid-timeout", "Invalid timeout",
                    "timeout must be a positive duration such as 500ms, 30s or PT30S, not '" + text + "'");
        }
        if (timeout.compareTo(settings.maxTimeout()) > 0) {
            throw ProblemException.badRequest("invalid-timeout", "Invalid timeout", "timeout " + text
                    + " is longer than this connection allows (requests.max-timeout " + settings.maxTimeout().toMillis()
                    + " ms)");
        }
        return timeout;
    }
}
