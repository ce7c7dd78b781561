package io.longlink.rest;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.config.ConnectionSettings;
import io.longlink.config.ConnectionSpec;
import io.longlink.cluster.ClusterMembers;
import io.longlink.connection.ConnectionChangeRefusedException;
import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ConnectionStatus;
import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;

/** Control plane of the connections: list, inspect, open, close; create, replace and remove runtime ones. */
@Path("/connections")
@Produces(MediaType.APPLICATION_JSON)
@NonBlocking
@Tag(name = "Connections")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
public class ConnectionResource {

    /** Statuses as a cluster member tells them (the owner's, for a connection another instance owns). */
    private final ClusterMembers members;

    private final ConnectionRegistry registry;
    private final ObjectMapper json;
    @Inject
    ConnectionAccess access;

    public ConnectionResource(ConnectionRegistry registry, ObjectMapper json, ClusterMembers members) {
        this.registry = registry;
        this.json = json;
        this.members = members;
    }

    /**
     * Every connection the caller may see, ordered by id; with {@code state}, {@code q}, {@code limit} or
     * {@code after}, only those that match, a page at a time with a {@code Link rel="next"} to the next page.
     */
    @GET
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "List the connections", description = "Ordered by id. Without parameters: every connection "
            + "the caller may see. `state` and `q` filter; with `limit`, at most that many and, when more match, a "
            + "`Link: </connections?...&after=<last id>>; rel=\"next\"` header to the next page.")
    @APIResponse(responseCode = "200", ref = "ConnectionList")
    @APIResponse(responseCode = "400", ref = "InvalidQuery")
    public Response list(
            @Parameter(description = "Only connections in these states (comma separated or repeated)",
                    example = "OPEN,RECONNECTING") @RestQuery List<String> state,
            @Parameter(description = "Only connections whose id contains this text", example = "acct-") @RestQuery String q,
            @Parameter(description = "At most this many (1 to 1000); more are reached by the Link header",
                    example = "100") @RestQuery String limit,
            @Parameter(description = "Only connections whose id sorts after this one (the last id of the page before)",
                    example = "acct-0099") @RestQuery String after) {
        ConnectionQuery.Page page = ConnectionQuery.of(state, q, limit, after)
                .run(registry, access::allows, members::statusOf);
        Response.ResponseBuilder response = Response.ok(page.statuses());
        if (page.next() != null) {
            response.header("Link", "<" + page.next().uri() + ">; rel=\"next\"");
        }
        return response.build();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Read a connection's status")
    @APIResponse(responseCode = "200", ref = "ConnectionStatus")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    public ConnectionStatus get(@RestPath String id) {
        access.check(id);
        return members.statusOf(registry.get(id));
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

    /**
     * Creates (201) or replaces (200) a connection from a JSON spec: the per-connection configuration keys nested by
     * their dots. Stored, so it is back after a restart; an open connection reconnects with the new spec and keeps its
     * outbox and inbound log.
     */
    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Create or replace a runtime connection", description = "Body: the per-connection settings "
            + "nested by their dots. 201 created, 200 replaced; ETag on the answer; If-Match that does not match: 412.")
    @RequestBody(ref = "ConnectionSpec")
    @APIResponse(responseCode = "200", ref = "ConnectionStatus")
    @APIResponse(responseCode = "201", ref = "ConnectionStatus")
    @APIResponse(responseCode = "400", ref = "InvalidSpec")
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "412", ref = "PreconditionFailed")
    public Response put(@RestPath String id, @RestHeader("If-Match") String ifMatch, String body) {
        access.check(id);
        JsonNode spec;
        try {
            spec = json.readTree(body == null ? "" : body);
        } catch (JsonProcessingException e) {
            throw new ConnectionChangeRefusedException(ConnectionChangeRefusedException.Reason.INVALID_SPEC,
                    "the body is not JSON", List.of(new ConnectionSettings.Problem("",
                            "not JSON: " + e.getOriginalMessage())));
        }
        if (spec == null || spec.isMissingNode()) {
            spec = json.createObjectNode();
        }
        ConnectionRegistry.Change change = registry.put(id, spec, ifMatch);
        Response.ResponseBuilder response = change.created()
                ? Response.status(Response.Status.CREATED).header(HttpHeaders.LOCATION, "/connections/" + id)
                : Response.ok();
        return response.header(HttpHeaders.ETAG, change.etag()).entity(change.status()).build();
    }

    /** The spec of a runtime connection, with header values and secrets as {@code ***}. */
    @GET
    @Path("/{id}/spec")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Read a runtime connection's spec", description = "Header values and secrets are shown as ***.")
    @APIResponse(responseCode = "200", ref = "ConnectionSpec")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response spec(@RestPath String id) {
        access.check(id);
        JsonNode spec = registry.spec(id);
        return Response.ok(ConnectionSpec.redacted(spec)).header(HttpHeaders.ETAG, ConnectionSpec.etag(spec)).build();
    }

    /** Removes a runtime connection (close frame 1000); with messages queued only with {@code ?discard=true}. */
    @DELETE
    @Path("/{id}")
    @Blocking
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Remove a runtime connection", description = "Closes with 1000 and removes it with its spec; "
            + "with messages queued: 409 outbox-not-empty unless ?discard=true.")
    @APIResponse(responseCode = "204", description = "Removed")
    @APIResponse(responseCode = "404", ref = "UnknownConnection")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Uni<Response> delete(@RestPath String id, @RestQuery boolean discard) {
        access.check(id);
        return Uni.createFrom().completionStage(registry.delete(id, discard))
                .map(v -> Response.noContent().build());
    }
}
