package io.longlink.config;

import java.util.List;
import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Who may use the control plane, under {@code longlink.auth.}: API keys by their SHA-256, bearer JWTs, and whether
 * {@code /q/metrics} needs a caller too. {@code enabled} is true in prod and false in dev and test
 * (application.properties); with it true and neither a key nor JWT verification configured the application
 * refuses to start.
 */
@ConfigMapping(prefix = "longlink.auth")
public interface AuthConfig {

    /** Require a caller (API key or JWT) on the control plane; false leaves every endpoint open. */
    @WithDefault("true")
    boolean enabled();

    /** The API keys, keyed by a name that appears in logs instead of the key. */
    Map<String, ApiKey> apiKeys();

    /** Bearer JWTs verified by SmallRye JWT ({@code mp.jwt.verify.*}). */
    Jwt jwt();

    /** {@code /q/metrics} requires the {@code viewer} role. */
    @WithDefault("false")
    boolean protectMetrics();

    interface ApiKey {
        /** Hex SHA-256 of the key ({@code printf %s "$KEY" | sha256sum}); the key itself is never configured. */
        String sha256();

        /** Roles of the key: {@code viewer}, {@code producer}, {@code consumer}, {@code operator}, {@code admin}. */
        List<String> roles();

        /** Glob patterns ({@code *}, {@code ?}) of the connection ids the key may touch. */
        @WithDefault("*")
        List<String> connections();
    }

    interface Jwt {
        /** Accept bearer JWTs: roles from {@code groups}, connection patterns from {@code longlink_connections}. */
        @WithDefault("false")
        boolean enabled();
    }
}
