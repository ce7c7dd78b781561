package io.longlink.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.longlink.config.AuthConfig;
import io.quarkus.vertx.http.security.HttpSecurity;

/**
 * What the control plane asks of Quarkus HTTP security beyond the annotations on the resources: {@code viewer} on
 * {@code /q/metrics} when {@code longlink.auth.protect-metrics} is set. Health, OpenAPI and static files have no
 * policy: always open. (The role implications of {@link Roles} are given by the identity providers, once per
 * identity, not by an HTTP roles mapping applied to every request.)
 */
@ApplicationScoped
public class HttpSecuritySetup {

    /** The Prometheus endpoint and anything under it. */
    static final String[] METRICS_PATHS = { "/q/metrics", "/q/metrics/*" };

    void configure(@Observes HttpSecurity http, AuthConfig config) {
        if (config.enabled() && config.protectMetrics()) {
            http.path(METRICS_PATHS).roles(Roles.VIEWER);
        }
    }
}
