package io.longlink.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;

/**
 * Secure by default, on the packaged application in the prod profile: with authentication on and nothing to
 * authenticate with it refuses to start and says what to configure; with one API key (and JWTs off, the SmallRye
 * JWT extension still on the classpath) the key works, anything else is 401, and health stays open.
 */
class AuthIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void withAuthOnAndNoCredentialsTheAppRefusesToStartAndSaysWhatToConfigure() throws Exception {
        Map<String, String> config = base();
        try (PackagedApp app = PackagedApp.launch("auth-refused", config)) {
            int exit = app.awaitExit(Duration.ofSeconds(60));
            String output = app.output();
            assertNotEquals(0, exit, output);
            assertTrue(output.contains("longlink.auth.api-keys.ops.sha256"), output);
            assertTrue(output.contains("sha256sum"), output);
            assertTrue(output.contains("longlink.auth.jwt.enabled=true"), output);
            assertTrue(output.contains("longlink.auth.enabled=false"), output);
        }
    }

    @Test
    void withOneKeyAndJwtOffTheKeyWorksAndEverythingElseIsRefused() throws Exception {
        String key = TestCredentials.apiKey("it-ops");
        Map<String, String> config = base();
        config.put("longlink.auth.api-keys.ops.sha256", TestCredentials.sha256(key));
        config.put("longlink.auth.api-keys.ops.roles", "operator");
        try (PackagedApp app = PackagedApp.start("auth-one-key", config)) {
            assertEquals(200, app.httpStatus("/q/health/ready"));
            assertEquals(200, app.httpStatus("/q/openapi"));
            assertEquals(200, app.httpStatus("/q/metrics"), "metrics are open unless protect-metrics is set");
            HttpResponse<String> anonymous = get(app, "/connections", Map.of());
            assertEquals(401, anonymous.statusCode());
            assertEquals("Bearer", anonymous.headers().firstValue("WWW-Authenticate").orElse(null));
            assertTrue(anonymous.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
            assertTrue(anonymous.body().contains("https://longlink.dev/problems/unauthorized"), anonymous.body());
            assertEquals(200, get(app, "/connections", Map.of("Authorization", "Bearer " + key)).statusCode());
            assertEquals(200, get(app, "/connections/quiet", Map.of("X-API-Key", key)).statusCode());
            String jwt = TestCredentials.jwt("trusted", TestCredentials.ISSUER, java.time.Instant.now().plusSeconds(600),
                    java.util.Set.of(Roles.ADMIN), null);
            assertEquals(401, get(app, "/connections", Map.of("Authorization", "Bearer " + jwt)).statusCode(),
                    "JWTs are refused while longlink.auth.jwt.enabled is false");
            HttpResponse<String> forbidden = get(app, "/connections/quiet/inbound", Map.of("X-API-Key", key));
            assertEquals(403, forbidden.statusCode());
            assertTrue(forbidden.body().contains("https://longlink.dev/problems/forbidden"), forbidden.body());
            assertFalse(app.output().contains(key), "the key is not in the log");
            assertTrue(app.output().contains("API key(s) [ops]"), app.output());
        }
    }

    private static Map<String, String> base() {
        Map<String, String> config = new HashMap<>();
        config.put("longlink.auth.enabled", "true");
        config.put("longlink.store.path", UpstreamResource.freshStore().toString());
        config.put("longlink.connections.quiet.url", "ws://127.0.0.1:9/quiet");
        config.put("longlink.connections.quiet.auto-open", "false");
        return config;
    }

    private HttpResponse<String> get(PackagedApp app, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(app.uri(path)).timeout(Duration.ofSeconds(10)).GET();
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
