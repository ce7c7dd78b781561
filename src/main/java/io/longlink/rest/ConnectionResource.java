package io.longlink.rest;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ConnectionStatus;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;

/** Control plane of the connections: list, inspect, open, close. */
@Path("/connections")
@Produces(MediaType.APPLICATION_JSON)
@NonBlocking
@Tag(name = "Connections")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
public class ConnectionResource {

    private final ConnectionRegistry registry;
    @Inject
    ConnectionAccess access;

    public ConnectionResource(ConnectionRegistry registry) {
        this.registry = registry;
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "List the connections")
    @APIResponse(responseCode = "200", ref = "ConnectionList")
    public List<ConnectionStatus> list() {
        return registry.all().stream().filter(c -> access.allows(c.id())).map(c -> c.status()).toList();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Read a connection's status")
    @APIResponse(responseCode = "200", ref = "ConnectionStatus")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    public ConnectionStatus get(@RestPath String id) {
        access.check(id);
        return registry.get(id).status();
    }

    /** desired=OPEN; starts connecting unless already open or connecting; resets a FAILED connection's attempts. */
    @POST
    @Path("/{id}/open")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Open a connection", description = "desired=OPEN; starts connecting unless open or "
            + "connecting; resets a FAILED connection's attempts. Idempotent.")
    @APIResponse(responseCode = "200", ref = "ConnectionStatus")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    public ConnectionStatus open(@RestPath String id) {
        access.check(id);
        return registry.get(id).open();
    }

    /** desired=CLOSED; answers once the socket is closed (close frame 1000, or the close timeout). */
    @POST
    @Path("/{id}/close")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Close a connection", description = "desired=CLOSED; close frame 1000 and no reconnect. "
            + "Answers once the socket is closed. Queued messages stay queued. Idempotent.")
    @APIResponse(responseCode = "200", ref = "ConnectionStatus")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    public Uni<ConnectionStatus> close(@RestPath String id) {
        access.check(id);
        return Uni.createFrom().completionStage(registry.get(id).close());
    }
}
