package io.longlink.security;

import jakarta.enterprise.context.ApplicationScoped;

import io.longlink.rest.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Which connections the current caller may touch, by the connection patterns of its API key or JWT (see
 * {@link ConnectionScope}); roles are checked before, by {@code @RolesAllowed} on the resource method. Every
 * endpoint with a connection id calls {@link #check(String)} first, so a caller outside its patterns gets 403
 * whether or not the connection exists; lists keep only what {@link #allows(String)}.
 */
@ApplicationScoped
public class ConnectionAccess {

    private final SecurityIdentity caller;

    public ConnectionAccess(SecurityIdentity caller) {
        this.caller = caller;
    }

    /** Answers 403 {@code forbidden} unless the caller's patterns cover {@code connectionId}. */
    public void check(String connectionId) {
        check(caller, connectionId);
    }

    public boolean allows(String connectionId) {
        return scope().allows(connectionId);
    }

    /** As {@link #check(String)}, for {@code caller}, where no request scope is active (a Vert.x route). */
    public static void check(SecurityIdentity caller, String connectionId) {
        if (!scopeOf(caller).allows(connectionId)) {
            throw new ProblemException(403, "forbidden", "Forbidden",
                    "this caller may not touch connection '" + connectionId + "'");
        }
    }

    /** The caller's scope, kept by streams that filter long after the request was authorized. */
    public ConnectionScope scope() {
        return scopeOf(caller);
    }

    private static ConnectionScope scopeOf(SecurityIdentity caller) {
        ConnectionScope scope = caller.getAttribute(ConnectionScope.ATTRIBUTE);
        return scope == null ? ConnectionScope.of(java.util.List.of()) : scope;
    }

    /** Who the caller is: its name, roles (implied ones included) and connection patterns. */
    public Caller caller() {
        return new Caller(caller.isAnonymous() ? null : caller.getPrincipal().getName(),
                new java.util.TreeSet<>(caller.getRoles()), scope().globs());
    }

    /** What {@code GET /whoami} answers; never a key or a token. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Caller(String name, java.util.SortedSet<String> roles, java.util.List<String> connections) {
    }
}
