package io.longlink.security;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.Config;

import io.longlink.config.AuthConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * Secure by default: with {@code longlink.auth.enabled=true} the application does not start unless some caller
 * could authenticate (an API key, or JWTs with a key to verify them), and it does not start with a malformed key
 * entry. Each refusal says what to configure.
 */
@ApplicationScoped
public class AuthStartupCheck {

    /** Where SmallRye JWT may find the key that verifies tokens; one of them must be set with JWTs on. */
    static final List<String> JWT_KEY_PROPERTIES = List.of("mp.jwt.verify.publickey", "mp.jwt.verify.publickey.location",
            "smallrye.jwt.verify.key.location");

    static final String NOTHING_CONFIGURED = """
            longlink.auth.enabled=true but no caller could authenticate: configure at least one API key, e.g.
              KEY=$(openssl rand -hex 32)
              longlink.auth.api-keys.ops.sha256=<the output of: printf %s "$KEY" | sha256sum>
              longlink.auth.api-keys.ops.roles=admin
            (environment: LONGLINK_AUTH_API_KEYS_OPS_SHA256 and LONGLINK_AUTH_API_KEYS_OPS_ROLES), or bearer JWTs:
              longlink.auth.jwt.enabled=true, mp.jwt.verify.publickey.location=<PEM, JWK or JWKS file or URL>,
              mp.jwt.verify.issuer=<expected iss>
            or, on a network where everyone may do everything, longlink.auth.enabled=false. See src/docs/security.md.""";

    void check(@Observes StartupEvent event, AuthConfig auth, Config config) {
        if (!auth.enabled()) {
            Log.warn("longlink.auth.enabled=false: every endpoint is open to anyone who can reach this port");
            return;
        }
        ApiKeys keys = ApiKeys.from(auth);
        boolean jwt = auth.jwt().enabled();
        if (jwt && JWT_KEY_PROPERTIES.stream().noneMatch(p -> config.getOptionalValue(p, String.class).isPresent())) {
            throw new IllegalStateException("longlink.auth.jwt.enabled=true but SmallRye JWT has no key to verify "
                    + "tokens with: set mp.jwt.verify.publickey.location (a PEM, JWK or JWKS file or URL) or "
                    + "mp.jwt.verify.publickey, and mp.jwt.verify.issuer");
        }
        if (keys.isEmpty() && !jwt) {
            throw new IllegalStateException(NOTHING_CONFIGURED);
        }
        Log.infof("control plane authentication on: %d API key(s) %s%s%s", keys.size(), keys.names(),
                jwt ? ", bearer JWTs" : "", auth.protectMetrics() ? ", /q/metrics needs viewer" : "");
    }
}
