package io.longlink.rest;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
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
import io.longlink.outbox.MessageStatus;
import io.longlink.outbox.OutboxStore;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.smallrye.common.annotation.NonBlocking;

/**
 * The outbox of a connection over HTTP. Enqueue runs on the event loop and answers as soon as the store has
 * the message (for the durable store: once the commit holding it returned), whatever the connection's state.
 *
 * <p>Optional request headers of enqueue: {@code Idempotency-Key} (a repeat answers the first message's id and
 * queues nothing) and {@code X-Expires-In}, the message's time to live: whole seconds ({@code 30}) or a duration
 * ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code PT30S}). A message not sent within it is
 * {@code EXPIRED} and never sent.
 *
 * <p>With {@code longlink.http.enqueue-route} (the default) {@link EnqueueRoute} answers enqueues before they reach
 * this resource; {@link #enqueue} still defines the operation in the OpenAPI document and serves it when the route
 * is off. Both check a request through {@link EnqueueIntake}.
 */
@Path("/connections/{id}/messages")
@Produces(MediaType.APPLICATION_JSON)
@NonBlocking
@Tag(name = "Messages")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
public class MessageResource {

    private final ConnectionRegistry registry;
    private final OutboxStore outbox;
    private final EnqueueIntake intake;
    private final ProblemMapper problems;
    @Inject
    ConnectionAccess access;

    public MessageResource(ConnectionRegistry registry, OutboxStore outbox, EnqueueIntake intake,
            ProblemMapper problems) {
        this.registry = registry;
        this.outbox = outbox;
        this.intake = intake;
        this.problems = problems;
    }

    @POST
    @RolesAllowed(Roles.PRODUCER)
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
    public CompletionStage<Response> enqueue(@RestPath String id, @RestHeader("Content-Type") String contentType,
            @RestHeader("Idempotency-Key") String idempotencyKey, @RestHeader("X-Expires-In") String expiresIn,
            byte[] body) {
        long startedNanos = System.nanoTime();
        return answer(id, () -> {
            access.check(id);
            EnqueueIntake.Checked checked = intake.check(id, contentType, idempotencyKey, expiresIn, body);
            return checked.connection().enqueue(checked.request());
        }, enqueued -> {
            String messageId = Long.toString(enqueued.id());
            intake.stored(id, System.nanoTime() - startedNanos);
            return Response.accepted(EnqueueIntake.accepted(messageId, enqueued.state()))
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .header(HttpHeaders.LOCATION, EnqueueIntake.location(id, messageId))
                    .build();
        });
    }

    /**
     * The response to an enqueue of connection {@code id}: {@code store} checks and stores it. A failure, whether
     * {@code store} throws it or its stage ends with it, is counted as a refusal (by the status it is answered with,
     * as {@link EnqueueRoute} counts them) and reaches {@link ProblemMapper} as itself, not wrapped. Refusals Quarkus
     * REST answers before the method runs (a role missing, the batch's 415 for another media type) are not counted.
     */
    private <T> CompletionStage<Response> answer(String id, Supplier<CompletionStage<T>> store,
            Function<T, Response> response) {
        CompletionStage<T> stored;
        try {
            stored = store.get();
        } catch (RuntimeException e) {
            stored = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Response> answer = new CompletableFuture<>();
        stored.whenComplete((value, failure) -> {
            if (failure != null) {
                Throwable cause = ProblemMapper.unwrapped(failure);
                intake.refused(id, problems.statusOf(cause));
                answer.completeExceptionally(cause);
            } else {
                answer.complete(response.apply(value));
            }
        });
        return answer;
    }

    /**
     * Many messages in one request, all or nothing: {@code POST /connections/{id}/messages:batch} with a JSON array
     * ({@link MessageBatch}); 202 once the whole batch is stored, with the first and last id (contiguous, in array
     * order), or an error with nothing stored. Quarkus REST does not route a path segment with a colon, so
     * {@link #reroute} hands {@code .../messages:batch} to {@code .../messages/batch} before routing.
     */
    @POST
    @Path("/batch")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PRODUCER)
    // documented at its public path, .../messages:batch, in META-INF/openapi.yaml
    @Operation(hidden = true)
    public CompletionStage<Response> enqueueBatch(@RestPath String id, @RestHeader("Idempotency-Key") String idempotencyKey,
            byte[] body) {
        long startedNanos = System.nanoTime();
        return answer(id, () -> {
            access.check(id);
            EnqueueIntake.CheckedBatch checked = intake.checkBatch(id, idempotencyKey, body);
            return checked.connection().enqueueAll(checked.requests());
        }, stored -> {
            intake.stored(id, System.nanoTime() - startedNanos);
            return Response.accepted(EnqueueIntake.batchAccepted(stored)).type(MediaType.APPLICATION_JSON_TYPE).build();
        });
    }

    void reroute(@jakarta.enterprise.event.Observes io.vertx.ext.web.Router router) {
        // the colon as sent, or percent-encoded as some clients (REST Assured among them) send it
        router.routeWithRegex(io.vertx.core.http.HttpMethod.POST, "/connections/([^/]+)/messages(?::|%3[Aa])batch")
                .order(io.quarkus.vertx.http.runtime.RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 2)
                .handler(context -> context.reroute("/connections/" + context.pathParam("param0")
                        + "/messages/batch"));
    }

    @GET
    @Path("/{messageId}")
    @RolesAllowed(Roles.PRODUCER)
    @Operation(summary = "Read a message's state")
    @APIResponse(responseCode = "200", ref = "MessageStatus")
    @APIResponse(responseCode = "404", ref = "UnknownMessage")
    public MessageStatus get(@RestPath String id, @RestPath String messageId) {
        access.check(id);
        registry.get(id);
        long number;
        try {
            number = Long.parseLong(messageId);
        } catch (NumberFormatException e) {
            throw unknownMessage(id, messageId);
        }
        return outbox.find(id, number).orElseThrow(() -> unknownMessage(id, messageId));
    }

    private static ProblemException unknownMessage(String id, String messageId) {
        return new ProblemException(404, "unknown-message", "Unknown message",
                "connection " + id + " has no message '" + messageId + "'");
    }
}
