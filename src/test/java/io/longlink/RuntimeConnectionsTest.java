package io.longlink;

import static io.longlink.testing.Api.PATIENCE;
import static io.longlink.testing.Api.awaitState;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.longlink.testing.Api;
import io.longlink.testing.UpstreamResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Connections created over HTTP: create, send, read the spec with secrets hidden, replace with {@code If-Match},
 * delete with and without queued messages; configured connections are read-only; bad specs and private upstreams
 * are refused with nothing changed. Restarts are proven on the packaged app ({@link RuntimeConnectionsIT}).
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class RuntimeConnectionsTest {

    private static String url(String path) {
        return "ws://127.0.0.1:" + UpstreamResource.main().port() + path;
    }

    private static String spec(String path, String authorization, int maxAttempts) {
        return """
                {"url": "%s", "auto-open": true, "headers": {"Authorization": "%s"},
                 "reconnect": {"max-attempts": %d, "initial-delay": "100ms", "max-delay": "400ms"},
                 "heartbeat": {"interval": "500ms"},
                 "on-open": [{"text": "{\\"op\\":\\"hello\\"}"}]}""".formatted(url(path), authorization, maxAttempts);
    }

    private static Response put(String id, String body, String ifMatch) {
        var request = given().contentType("application/json").body(body);
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        return request.put("/connections/{id}", id);
    }

    @Test
    void createSendInspectReplaceAndDelete() {
        String id = "runtime-orders";
        Response created = put(id, spec("/runtime-orders", "Bearer first-secret", 5), null);
        created.then().statusCode(201).header("ETag", notNullValue()).header("Location", "/connections/" + id)
                .body("id", equalTo(id));
        String etag = created.header("ETag");
        awaitState(id, "OPEN");
        Api.send(id, "created at run time");
        var upstream = UpstreamResource.main().path("/runtime-orders");
        await().atMost(PATIENCE).until(() -> upstream.texts().contains("created at run time"));
        assertEquals(List.of("{\"op\":\"hello\"}", "created at run time"), upstream.texts().subList(0, 2),
                "on-open steps of a runtime spec run first too");
        assertEquals("Bearer first-secret", upstream.handshakes.get(0).get("authorization"));
        given().get("/connections").then().body("id", hasItem(id));

        given().get("/connections/{id}/spec", id).then().statusCode(200).header("ETag", etag)
                .body("headers.Authorization", equalTo("***")).body("reconnect.max-attempts", equalTo(5))
                .body(not(org.hamcrest.Matchers.containsString("first-secret")));

        put(id, spec("/runtime-orders", "Bearer second-secret", 6), "\"not-the-etag\"").then().statusCode(412)
                .body("type", equalTo("https://longlink.dev/problems/precondition-failed"));
        Response replaced = put(id, spec("/runtime-orders", "Bearer second-secret", 6), etag);
        replaced.then().statusCode(200);
        assertNotEquals(etag, replaced.header("ETag"));
        await().atMost(PATIENCE).until(() -> upstream.handshakes.stream()
                .anyMatch(h -> "Bearer second-secret".equals(h.get("authorization"))));
        awaitState(id, "OPEN");
        Api.send(id, "after the replace");
        await().atMost(PATIENCE).until(() -> upstream.texts().contains("after the replace"));
        given().get("/connections/{id}/spec", id).then().body("reconnect.max-attempts", equalTo(6));

        Api.close(id);
        Api.send(id, "still queued");
        given().delete("/connections/{id}", id).then().statusCode(409)
                .body("type", equalTo("https://longlink.dev/problems/outbox-not-empty"));
        awaitState(id, "CLOSED");
        given().delete("/connections/{id}?discard=true", id).then().statusCode(204);
        given().get("/connections/{id}", id).then().statusCode(404);
        given().get("/connections").then().body("id", not(hasItem(id)));
        given().get("/q/metrics").then().body(not(org.hamcrest.Matchers.containsString("connection=\"" + id + "\"")));
        assertFalse(upstream.texts().contains("still queued"), "a discarded message is never sent");
    }

    @Test
    void aRuntimeConnectionWithAWebhookPushesItsInboundAndStopsWhenRemoved() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        byte[] key = "runtime-hook-secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (io.longlink.testing.WebhookReceiver receiver = new io.longlink.testing.WebhookReceiver(vertx,
                UpstreamResource.freePort(), key)
                .start()) {
            String id = "runtime-hooked";
            put(id, """
                    {"url": "%s", "auto-open": true,
                     "inbound": {"webhook": {"url": "%s", "secret": "runtime-hook-secret", "max-batch": 10}}}"""
                    .formatted(url("/runtime-hooked"), receiver.url("/hook")), null).then().statusCode(201);
            awaitState(id, "OPEN");
            await().atMost(PATIENCE).until(() -> UpstreamResource.main().path("/runtime-hooked").openSockets() == 1);
            UpstreamResource.main().pushText("/runtime-hooked", "pushed to a runtime webhook");
            await().atMost(PATIENCE).until(() -> receiver.acknowledged("/hook").stream()
                    .anyMatch(b -> b.data().contains("pushed to a runtime webhook")));
            assertEquals(List.of(), receiver.invalid, "every signature verifies");
            await().atMost(PATIENCE).until(() -> Api.status(id).getLong("webhook.deliveredSeq") >= 1);
            given().delete("/connections/{id}", id).then().statusCode(204);
            given().get("/q/metrics").then().body(not(org.hamcrest.Matchers.containsString("connection=\"" + id + "\"")));
        } finally {
            vertx.close();
        }
    }

    @Test
    void anEmptyRuntimeConnectionIsDeletedWithoutDiscard() {
        String id = "runtime-empty";
        put(id, "{\"url\": \"" + url("/runtime-empty") + "\", \"auto-open\": false}", null).then().statusCode(201);
        given().delete("/connections/{id}", id).then().statusCode(204);
        given().delete("/connections/{id}", id).then().statusCode(404);
    }

    @Test
    void configuredConnectionsAreReadOnlyOverHttp() {
        for (Response r : List.of(put("manual", spec("/manual", "x", 1), null),
                given().delete("/connections/{id}", "manual"), given().get("/connections/{id}/spec", "manual"))) {
            r.then().statusCode(409).contentType("application/problem+json")
                    .body("type", equalTo("https://longlink.dev/problems/configured-connection"));
        }
        Api.status("manual");
    }

    @Test
    void aBadSpecListsEachBadFieldByPointerAndChangesNothing() {
        String id = "runtime-bad";
        put(id, """
                {"url": "%s", "reconnect": {"max-attempts": "many"}, "bogus": 1}""".formatted(url("/x")), null)
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://longlink.dev/problems/invalid-spec"))
                .body("errors.pointer", hasItem("/reconnect/max-attempts"))
                .body("errors.pointer", hasItem("/bogus"));
        put(id, "{\"url\": \"http://127.0.0.1/x\"}", null).then().statusCode(400)
                .body("errors[0].pointer", equalTo("/url"));
        put(id, "{\"url\": \"" + url("/x") + "\", \"on-open\": [{\"text\": \"a\", \"binary\": \"AA==\"}]}", null)
                .then().statusCode(400).body("errors[0].pointer", equalTo("/on-open/0"));
        put(id, "{\"reconnect\": {}}", null).then().statusCode(400).body("errors.pointer", hasItem("/url"));
        put(id, "not json", null).then().statusCode(400).body("type",
                equalTo("https://longlink.dev/problems/invalid-spec"));
        put("Not_An_Id", "{\"url\": \"" + url("/x") + "\"}", null).then().statusCode(400);
        given().get("/connections/{id}", id).then().statusCode(404);
    }

    @Test
    void privateUpstreamsAreRefusedUnlessAllowed() {
        for (String host : List.of("localhost", "10.1.2.3", "169.254.169.254", "[::1]", "192.168.0.10")) {
            put("runtime-private", "{\"url\": \"ws://" + host + ":9000/feed\"}", null).then().statusCode(400)
                    .contentType("application/problem+json")
                    .body("type", equalTo("https://longlink.dev/problems/upstream-not-allowed"));
        }
        given().get("/connections/{id}", "runtime-private").then().statusCode(404);
        Map<String, Object> ok = Map.of("url", url("/allowed"), "auto-open", false);
        given().contentType("application/json").body(ok).put("/connections/{id}", "runtime-allowed").then()
                .statusCode(201);
        given().delete("/connections/{id}", "runtime-allowed").then().statusCode(204);
    }
}
