package io.longlink.rest;

import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

import io.longlink.cluster.ClusterMembers;
import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ConnectionState;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.smallrye.common.annotation.NonBlocking;

/**
 * How many connections are in each state, without listing them: what the console shows above its pages (a list of
 * ten thousand statuses to count them would defeat the paging). Its own path, because every name under
 * {@code /connections/} may be a connection id.
 */
@Path("/connection-counts")
@Produces(MediaType.APPLICATION_JSON)
@NonBlocking
@Tag(name = "Connections")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
public class ConnectionCountsResource {

    /** The answer: how many connections match, and how many of them are in each state. */
    public record Counts(long total, Map<ConnectionState, Long> states) {
    }

    private final ConnectionRegistry registry;
    private final ClusterMembers members;
    @Inject
    ConnectionAccess access;

    public ConnectionCountsResource(ConnectionRegistry registry, ClusterMembers members) {
        this.registry = registry;
        this.members = members;
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Count the connections by state", description = "The connections the caller may see (whose "
            + "id contains `q`, when given): how many, and how many are in each state, every state named.")
    @APIResponse(responseCode = "200", description = "The counts, e.g. "
            + "`{\"total\":3,\"states\":{\"CLOSED\":1,\"CONNECTING\":0,\"OPEN\":2,...}}`")
    public Counts counts(@Parameter(description = "Only connections whose id contains this text", example = "acct-")
    @RestQuery String q) {
        Map<ConnectionState, Long> states = ConnectionQuery.counts(q, registry, access::allows, members::statusOf);
        return new Counts(states.values().stream().mapToLong(Long::longValue).sum(), states);
    }
}
