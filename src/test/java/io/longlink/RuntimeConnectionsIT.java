package io.longlink;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.vertx.core.Vertx;

/**
 * The same assertions as {@link RuntimeConnectionsTest} on the packaged app, and a connection created over HTTP
 * survives a restart: create, open, send, SIGTERM, start again on the same store, and it is there with its spec and
 * goes on sending.
 */
@io.quarkus.test.junit.QuarkusIntegrationTest
class RuntimeConnectionsIT extends RuntimeConnectionsTest {

    @Test
    void aRuntimeConnectionIsBackAfterARestartAndStillSends() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (UpstreamServer upstream = new UpstreamServer(vertx, "127.0.0.1", 0).start()) {
            Map<String, String> config = new HashMap<>();
            config.put("longlink.store.path", UpstreamResource.freshStore().toString());
            config.put("longlink.upstreams.allowed-hosts", "127.0.0.1");
            String spec = "{\"url\": \"" + upstream.url("/kept") + "\", \"auto-open\": true,"
                    + " \"headers\": {\"Authorization\": \"Bearer kept\"}}";
            try (PackagedApp app = PackagedApp.start("runtime-first", config)) {
                given().baseUri("http://localhost").port(app.port()).contentType("application/json").body(spec)
                        .put("/connections/{id}", "kept").then().statusCode(201);
                await().atMost(Duration.ofSeconds(20)).until(() -> "OPEN".equals(state(app)));
                given().baseUri("http://localhost").port(app.port()).contentType("text/plain").body("before restart")
                        .post("/connections/kept/messages").then().statusCode(202);
                await().atMost(Duration.ofSeconds(20)).until(() -> upstream.path("/kept").texts().contains("before restart"));
                app.terminate();
                assertEquals(0, app.awaitExit(Duration.ofSeconds(30)));
            }
            try (PackagedApp app = PackagedApp.start("runtime-second", config)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> "OPEN".equals(state(app)));
                given().baseUri("http://localhost").port(app.port()).get("/connections/kept/spec").then().statusCode(200)
                        .body("headers.Authorization", org.hamcrest.Matchers.equalTo("***"));
                given().baseUri("http://localhost").port(app.port()).contentType("text/plain").body("after restart")
                        .post("/connections/kept/messages").then().statusCode(202);
                await().atMost(Duration.ofSeconds(20)).until(() -> upstream.path("/kept").texts().contains("after restart"));
                assertEquals(2, upstream.path("/kept").handshakes.size());
            }
        } finally {
            vertx.close();
        }
    }

    private static String state(PackagedApp app) {
        return given().baseUri("http://localhost").port(app.port()).get("/connections/kept").then().extract()
                .path("state");
    }
}
