package io.longlink.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.longlink.security.ConnectionAccess;
import io.longlink.security.Roles;
import io.smallrye.common.annotation.NonBlocking;

/** Who the caller is, so a client (the console) can hide what its key may not do. */
@Path("/whoami")
@Produces(MediaType.APPLICATION_JSON)
@NonBlocking
@Tag(name = "Security")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
public class WhoAmIResource {

    private final ConnectionAccess access;

    public WhoAmIResource(ConnectionAccess access) {
        this.access = access;
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "The caller's name, roles and connection patterns")
    @APIResponse(responseCode = "200", description = "`{\"name\",\"roles\",\"connections\"}`; never a key or a token")
    public ConnectionAccess.Caller whoami() {
        return access.caller();
    }
}
