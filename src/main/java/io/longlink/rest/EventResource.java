package io.longlink.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.EventLog;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.http.HttpServerResponse;

/**
 * One connection's state changes as Server-Sent Events ({@link AllEventsResource} streams every connection's): {@code event: state}, {@code id:} the instance-wide seq, data the
 * {@link io.longlink.connection.ConnectionEvent}. {@code Last-Event-ID} resumes from the events still kept
 * ({@code longlink.events.retain}).
 */
@Path("/connections/{id}/events")
@NonBlocking
@Tag(name = "Events")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
public class EventResource {

    private final ConnectionRegistry registry;
    private final EventLog events;
    private final ObjectMapper json;
    @Inject
    ConnectionAccess access;

    public EventResource(ConnectionRegistry registry, EventLog events, ObjectMapper json) {
        this.registry = registry;
        this.events = events;
        this.json = json;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Stream one connection's state changes (Server-Sent Events)")
    @APIResponse(responseCode = "200", ref = "EventStream")
    @APIResponse(responseCode = "400", ref = "BadCursor")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    @RolesAllowed(Roles.VIEWER)
    public void one(@RestPath String id, @RestHeader("Last-Event-ID") String lastEventId,
            @Context SseEventSink sink, @Context HttpServerResponse response) {
        access.check(id);
        registry.get(id);
        SseFeed.events(events, id::equals, sink, response, json, Cursors.parse("Last-Event-ID", lastEventId)).start();
    }
}
