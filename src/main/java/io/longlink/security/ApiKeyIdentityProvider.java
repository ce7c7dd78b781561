package io.longlink.security;

import jakarta.enterprise.context.ApplicationScoped;

import io.longlink.config.AuthConfig;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Turns a presented API key into a caller: the configured key whose SHA-256 it has (compared in constant time by
 * {@link ApiKeys}), with that key's roles and connection patterns. The principal is {@code api-key:<name>}, the
 * name from the configuration; an unknown key fails authentication without saying anything about it.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {

    private final ApiKeys keys;

    public ApiKeyIdentityProvider(AuthConfig config) {
        this.keys = ApiKeys.from(config);
    }

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        return keys.find(request.key())
                .map(key -> Uni.createFrom().item((SecurityIdentity) QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal("api-key:" + key.name()))
                        .addRoles(Roles.withImplied(key.roles()))
                        .addAttribute(ConnectionScope.ATTRIBUTE, key.scope())
                        .build()))
                .orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailedException("unknown API key")));
    }
}
