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

import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.connection.EventLog;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.http.HttpServerResponse;

/**
 * Every connection's state changes as Server-Sent Events ({@link EventResource} streams one connection's):
 * {@code event: state}, {@code id:} the instance-wide seq, data the {@link io.longlink.connection.ConnectionEvent}.
 * {@code Last-Event-ID} resumes from the events still kept ({@code longlink.events.retain}).
 */
@Path("/events")
@NonBlocking
@Tag(name = "Events")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
public class AllEventsResource {

    private final EventLog events;
    private final ObjectMapper json;
    @Inject
    ConnectionAccess access;

    public AllEventsResource(EventLog events, ObjectMapper json) {
        this.events = events;
        this.json = json;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Stream every connection's state changes (Server-Sent Events)")
    @APIResponse(responseCode = "200", ref = "EventStream")
    @APIResponse(responseCode = "400", ref = "BadCursor")
    @RolesAllowed(Roles.VIEWER)
    public void all(@RestHeader("Last-Event-ID") String lastEventId, @Context SseEventSink sink, @Context HttpServerResponse response) {
        SseFeed.events(events, access.scope()::allows, sink, response, json, Cursors.parse("Last-Event-ID", lastEventId))
                .start();
    }
}
