package io.longlink.rest;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.SseEventSink;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import io.longlink.connection.ConnectionRegistry;
import io.longlink.inbox.InboundJson;
import io.longlink.inbox.InboundLog;
import io.longlink.inbox.InboundMessage;
import io.longlink.inbox.JsonBytes;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/** What the upstream pushed: a page by cursor, or a live SSE stream that can resume. */
@Path("/connections/{id}/inbound")
@NonBlocking
@Tag(name = "Inbound")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
public class InboundResource {

    /** Page size when the caller gives none. */
    static final int DEFAULT_LIMIT = 100;
    /** Largest page a caller may ask for. */
    static final int MAX_LIMIT = 1000;
    private static final byte[] MESSAGES = "{\"messages\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEXT = ",\"next\":".getBytes(StandardCharsets.US_ASCII);

    private final ConnectionRegistry registry;
    @Inject
    ConnectionAccess access;

    public InboundResource(ConnectionRegistry registry) {
        this.registry = registry;
    }

    @GET
    @Blocking // the page is built on a worker thread: an event loop may also carry an upstream socket
    @RolesAllowed(Roles.CONSUMER)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Read inbound messages by cursor")
    @APIResponse(responseCode = "200", ref = "InboundPage")
    @APIResponse(responseCode = "400", ref = "BadCursor")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    public CompletionStage<Response> read(@RestPath String id, @RestQuery String after, @RestQuery String limit) {
        access.check(id);
        InboundLog log = registry.get(id).inbox();
        long from = Cursors.parse("after", after);
        int size = (int) Cursors.parse("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
        // a Response, not the Buffer itself: the OpenAPI scan would document Vert.x' Buffer class as a schema
        return log.read(from, size).thenApply(messages -> Response.ok(page(messages,
                messages.isEmpty() ? from : messages.get(messages.size() - 1).seq())).build());
    }

    /**
     * {@code {"messages":[...],"next":N}} (schema {@code Page} in {@code openapi.yaml}): pass {@code next} as
     * {@code after} to read on. Written by hand, as Jackson's generic path cost more than the read itself.
     */
    static Buffer page(List<InboundMessage> messages, long next) {
        JsonBytes json = new JsonBytes(32 + InboundJson.arrayLength(messages)).append(MESSAGES);
        InboundJson.appendArray(json, messages);
        return json.append(NEXT).append(next).append((byte) '}').toBuffer();
    }

    /** One event per inbound message, {@code id:} its seq; resumes after {@code Last-Event-ID}. */
    @GET
    @Path("/stream")
    @RolesAllowed(Roles.CONSUMER)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Stream inbound messages (Server-Sent Events)")
    @APIResponse(responseCode = "200", ref = "InboundStream")
    @APIResponse(responseCode = "400", ref = "BadCursor")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    public void stream(@RestPath String id, @RestHeader("Last-Event-ID") String lastEventId,
            @Context SseEventSink sink, @Context HttpServerResponse response) {
        access.check(id);
        InboundLog log = registry.get(id).inbox();
        long from = Cursors.parse("Last-Event-ID", lastEventId);
        SseFeed.inbound(log, sink, response, from).start();
    }
}
