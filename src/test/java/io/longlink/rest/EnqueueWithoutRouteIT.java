package io.longlink.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.longlink.security.TestCredentials;
import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.Vertx;

/**
 * With {@code longlink.http.enqueue-route=false} the REST resources serve both enqueue operations and requests, on
 * the packaged app: the same answers (401 before anything, 202 with {@code Location}, batches, a request's reply,
 * problems), delivery in order, and refusals counted in {@code longlink_enqueue_refused_total} as the route counts
 * them.
 */
class EnqueueWithoutRouteIT {

    @Test
    void theResourceServesTheSameContractAndCountsRefusals() throws Exception {
        Vertx vertx = Vertx.vertx();
        String key = TestCredentials.apiKey("it-producer");
        try (UpstreamServer upstream = new UpstreamServer(vertx, UpstreamResource.freePort()).start()) {
            Map<String, String> config = new HashMap<>();
            config.put("longlink.http.enqueue-route", "false");
            config.put("longlink.auth.enabled", "true");
            config.put("longlink.auth.api-keys.producer.sha256", TestCredentials.sha256(key));
            config.put("longlink.auth.api-keys.producer.roles", "producer");
            config.put("longlink.store.path", UpstreamResource.freshStore().toString());
            config.put("longlink.connections.feed.url", upstream.url("/feed"));
            upstream.speakJsonRpc("/rpc");
            config.put("longlink.connections.rpc.url", upstream.url("/rpc"));
            config.put("longlink.connections.tiny.url", "ws://127.0.0.1:9/tiny");
            config.put("longlink.connections.tiny.auto-open", "false");
            config.put("longlink.connections.tiny.outbox.capacity", "1");
            try (PackagedApp app = PackagedApp.start("enqueue-without-route", config)) {
                anonymous(app).contentType("text/plain").body("anonymous").post("/connections/feed/messages")
                        .then().statusCode(401).contentType(startsWith("application/problem+json"));

                producer(app, key).contentType("text/plain").body("one").post("/connections/feed/messages").then()
                        .statusCode(202).header("Location", startsWith("/connections/feed/messages/"))
                        .body("state", equalTo("QUEUED"));
                producer(app, key).urlEncodingEnabled(false).contentType("application/json")
                        .body("[{\"text\":\"two\"},{\"text\":\"three\"}]").post("/connections/feed/messages:batch")
                        .then().statusCode(202).body("count", equalTo(2));
                await().atMost(Duration.ofSeconds(30)).until(() -> upstream.path("/feed").texts().size() >= 3);
                assertEquals(List.of("one", "two", "three"), upstream.path("/feed").texts());

                // the request endpoint, served by the resource too: a reply, a 415, a 401
                await().atMost(Duration.ofSeconds(30)).until(() -> upstream.path("/rpc").openSockets() == 1);
                producer(app, key).contentType("application/json").body("{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}")
                        .post("/connections/rpc/requests").then().statusCode(200).header("Longlink-Request-Id",
                                org.hamcrest.Matchers.notNullValue()).body("jsonrpc", equalTo("2.0"));
                producer(app, key).contentType("text/plain").body("{}").post("/connections/rpc/requests").then()
                        .statusCode(415).contentType(startsWith("application/problem+json"));
                anonymous(app).contentType("application/json").body("{}").post("/connections/rpc/requests").then()
                        .statusCode(401).contentType(startsWith("application/problem+json"));

                producer(app, key).contentType("image/png").body(new byte[] { 1 }).post("/connections/feed/messages")
                        .then().statusCode(415).body("type", equalTo("https://longlink.dev/problems/unsupported-media-type"));
                producer(app, key).contentType("text/plain").body("a").post("/connections/tiny/messages").then()
                        .statusCode(202);
                producer(app, key).contentType("text/plain").body("b").post("/connections/tiny/messages").then()
                        .statusCode(503).body("type", equalTo("https://longlink.dev/problems/outbox-full"));
                // Quarkus REST answers this 415 before the resource runs: counted by the route only, so not here
                producer(app, key).urlEncodingEnabled(false).contentType("text/plain").body("[]")
                        .post("/connections/feed/messages:batch").then().statusCode(415);

                String metrics = anonymous(app).get("/q/metrics").then().statusCode(200).extract().asString();
                assertTrue(metrics.contains("longlink_enqueue_refused_total{connection=\"feed\",status=\"415\"} 1.0"),
                        metrics);
                assertTrue(metrics.contains("longlink_enqueue_refused_total{connection=\"tiny\",status=\"503\"} 1.0"),
                        metrics);
                assertFalse(app.output().contains(key), "the key is not in the log");
            }
        } finally {
            vertx.close();
        }
    }

    private static RequestSpecification anonymous(PackagedApp app) {
        return given().baseUri("http://127.0.0.1").port(app.port());
    }

    private static RequestSpecification producer(PackagedApp app, String key) {
        return anonymous(app).header("X-API-Key", key);
    }
}
