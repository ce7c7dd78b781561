package io.longlink.rest;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestPath;

import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ConnectionStatus;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;

/** Control plane of the connections: list, inspect, open, close. */
@Path("/connections")
@Produces(MediaType.APPLICATION_JSON)
@NonBlocking
public class ConnectionResource {

    private final ConnectionRegistry registry;

    public ConnectionResource(ConnectionRegistry registry) {
        this.registry = registry;
    }

    @GET
    public List<ConnectionStatus> list() {
        return registry.all().stream().map(c -> c.status()).toList();
    }

    @GET
    @Path("/{id}")
    public ConnectionStatus get(@RestPath String id) {
        return registry.get(id).status();
    }

    /** desired=OPEN; starts connecting unless already open or connecting; resets a FAILED connection's attempts. */
    @POST
    @Path("/{id}/open")
    public ConnectionStatus open(@RestPath String id) {
        return registry.get(id).open();
    }

    /** desired=CLOSED; answers once the socket is closed (close frame 1000, or the close timeout). */
    @POST
    @Path("/{id}/close")
    public Uni<ConnectionStatus> close(@RestPath String id) {
        return Uni.createFrom().completionStage(registry.get(id).close());
    }
}
