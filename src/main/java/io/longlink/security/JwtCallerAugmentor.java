package io.longlink.security;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Gives a caller that authenticated with a JWT its connection patterns: the claim {@value #CLAIM} (an array of
 * globs, or one comma-separated string); without the claim, every connection. Its roles are the token's
 * {@code groups}, as SmallRye JWT set them, and the roles they imply ({@link Roles#withImplied}). Other callers
 * pass unchanged.
 */
@ApplicationScoped
public class JwtCallerAugmentor implements SecurityIdentityAugmentor {

    /** The claim that lists the connection id patterns of a JWT caller. */
    public static final String CLAIM = "longlink_connections";

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (!(identity.getPrincipal() instanceof JsonWebToken token)
                || identity.getAttribute(ConnectionScope.ATTRIBUTE) != null) {
            return Uni.createFrom().item(identity);
        }
        Object claim = token.getClaim(CLAIM);
        ConnectionScope scope = claim == null ? ConnectionScope.ALL : ConnectionScope.of(globs(claim));
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addRoles(Roles.withImplied(identity.getRoles()))
                .addAttribute(ConnectionScope.ATTRIBUTE, scope)
                .build());
    }

    private static List<String> globs(Object claim) {
        List<String> globs = new ArrayList<>();
        if (claim instanceof JsonArray array) {
            for (JsonValue value : array) {
                globs.add(text(value));
            }
        } else if (claim instanceof Collection<?> values) {
            values.forEach(value -> globs.add(text(value)));
        } else {
            globs.addAll(Arrays.asList(text(claim).split(",")));
        }
        return globs;
    }

    private static String text(Object value) {
        return value instanceof JsonString string ? string.getString() : String.valueOf(value);
    }
}
