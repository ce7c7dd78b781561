package io.longlink.security;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.longlink.testing.UpstreamResource;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The one profile of the auth tests (each profile costs an application start): authentication on, one API key per
 * role, a producer limited to {@code orders-*}, JWTs from {@link TestCredentials#ISSUER}, {@code /q/metrics}
 * protected, and the log written to {@link #LOG} so a test can read it. Two extra connections, {@code orders-eu}
 * and {@code audit}, point at a port where nothing listens and are opened only by tests.
 */
public class AuthTestProfile implements QuarkusTestProfile {

    /** Where this profile's application logs, at DEBUG for longlink and Quarkus security. */
    static final String LOG = "target/auth-test/quarkus.log";

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        for (String role : TestCredentials.ROLE_KEYS) {
            config.put("longlink.auth.api-keys." + role + ".sha256", TestCredentials.sha256(TestCredentials.apiKey(role)));
            config.put("longlink.auth.api-keys." + role + ".roles", role);
        }
        String orders = TestCredentials.ORDERS_PRODUCER;
        config.put("longlink.auth.api-keys." + orders + ".sha256", TestCredentials.sha256(TestCredentials.apiKey(orders)));
        config.put("longlink.auth.api-keys." + orders + ".roles", Roles.PRODUCER);
        config.put("longlink.auth.api-keys." + orders + ".connections", "orders-*");
        config.put("longlink.auth.jwt.enabled", "true");
        config.put("mp.jwt.verify.publickey", TestCredentials.trustedPublicKey());
        config.put("mp.jwt.verify.issuer", TestCredentials.ISSUER);
        config.put("longlink.auth.protect-metrics", "true");
        for (String id : List.of("orders-eu", "audit")) {
            config.put("longlink.connections." + id + ".url", "ws://127.0.0.1:9/" + id);
            config.put("longlink.connections." + id + ".auto-open", "false");
        }
        config.put("quarkus.log.file.enabled", "true");
        config.put("quarkus.log.file.path", LOG);
        config.put("quarkus.log.file.level", "DEBUG");
        config.put("quarkus.log.category.\"io.longlink\".level", "DEBUG");
        config.put("quarkus.log.category.\"io.quarkus.security\".level", "DEBUG");
        config.put("quarkus.log.category.\"io.quarkus.vertx.http.runtime.security\".level", "DEBUG");
        config.put("quarkus.log.category.\"io.quarkus.smallrye.jwt\".level", "DEBUG");
        config.put("quarkus.log.category.\"io.smallrye.jwt\".level", "DEBUG");
        return config;
    }

    /** The shared upstreams, with authentication turned on (UpstreamResource turns it off for every other test). */
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(UpstreamResource.class, Map.of("longlink.auth.enabled", "true")));
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }
}
