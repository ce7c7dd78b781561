package io.longlink;

import static io.longlink.testing.Api.PATIENCE;
import static io.longlink.testing.Api.awaitState;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.Api;
import io.longlink.testing.JsonRpcProtocol;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;

/**
 * Request and reply as one HTTP call, against a JSON-RPC upstream started by the test ({@link JsonRpcProtocol}) that
 * answers out of order, late, never, or drops the socket after a chosen request. Each test makes its own runtime
 * connection (and path) and removes it at the end. Also run on the packaged app ({@link RequestsIT}).
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class RequestsTest {

    private static final String PROBLEMS = "https://longlink.dev/problems/";
    private final List<String> made = new ArrayList<>();

    @AfterEach
    void removeConnections() {
        made.forEach(id -> given().queryParam("discard", true).delete("/connections/{id}", id));
    }

    /** Creates runtime connection {@code id} to the JSON-RPC path {@code /rpc-<id>}, with extra {@code settings}. */
    private JsonRpcProtocol rpc(String id, String settings) {
        UpstreamServer upstream = UpstreamResource.main();
        JsonRpcProtocol rpc = upstream.speakJsonRpc("/rpc-" + id);
        String spec = """
                {"url": "ws://127.0.0.1:%d/rpc-%s", "reconnect": {"initial-delay": "100ms", "max-delay": "400ms"}%s}"""
                .formatted(upstream.port(), id, settings.isEmpty() ? "" : ", " + settings);
        given().contentType("application/json").body(spec).put("/connections/{id}", id).then().statusCode(201);
        made.add(id);
        awaitState(id, "OPEN");
        return rpc;
    }

    private static UpstreamServer.PathState upstream(String id) {
        return UpstreamResource.main().path("/rpc-" + id);
    }

    private static Response request(String id, String body, String timeout) {
        var call = given().contentType("application/json").body(body);
        if (timeout != null) {
            call.queryParam("timeout", timeout);
        }
        return call.post("/connections/{id}/requests", id);
    }

    private static CompletableFuture<HttpResponse<String>> requestAsync(HttpClient client, String id, String body,
            String timeout) {
        URI uri = URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/connections/" + id + "/requests"
                + (timeout == null ? "" : "?timeout=" + timeout));
        return client.sendAsync(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twoHundredConcurrentRequestsAnsweredOutOfOrderEachGetTheirOwnReply() {
        String id = "rpc-many";
        JsonRpcProtocol rpc = rpc(id, "");
        rpc.holdReplies = 200;
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            // half carry their own ids, half get one from longlink
            String body = i % 2 == 0
                    ? "{\"jsonrpc\":\"2.0\",\"id\":\"caller-" + i + "\",\"method\":\"echo\",\"params\":{\"n\":" + i + "}}"
                    : "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"n\":" + i + "}}";
            answers.add(requestAsync(client, id, body, "20s"));
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            HttpResponse<String> answer = answers.get(i).join();
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(""));
            JsonObject reply = new JsonObject(answer.body());
            assertEquals(i, reply.getJsonObject("result").getInteger("n"), "request " + i + " got its own reply");
            String requestId = answer.headers().firstValue("Longlink-Request-Id").orElseThrow();
            assertEquals(String.valueOf(reply.getValue("id")), requestId);
            if (i % 2 == 0) {
                assertEquals("caller-" + i, requestId, "a caller's id is kept");
            }
            assertTrue(Long.parseLong(answer.headers().firstValue("Longlink-Round-Trip-Ms").orElseThrow()) >= 0);
            ids.add(requestId);
        }
        assertEquals(200, ids.size(), "every id is unique");
        assertEquals(200, rpc.requestIds.size(), "each request was written once");
        // kept in the inbound log like any message: readable there once its group commit returned
        await().atMost(PATIENCE).untilAsserted(() -> assertEquals(200, given().queryParam("limit", 1000)
                .get("/connections/{id}/inbound", id).then().statusCode(200).extract().jsonPath()
                .getList("messages").size(), "replies are in the inbound log"));
    }

    @Test
    void aRequestWithoutAReplyInTimeIsAReplyTimeoutAndNotSentAgain() {
        String id = "rpc-silent";
        JsonRpcProtocol rpc = rpc(id, "");
        request(id, "{\"jsonrpc\":\"2.0\",\"id\":\"quiet-1\",\"method\":\"never\"}", "300ms").then().statusCode(504)
                .contentType("application/problem+json").header("Longlink-Request-Id", "quiet-1")
                .body("type", equalTo(PROBLEMS + "reply-timeout"));
        request(id, "{\"jsonrpc\":\"2.0\",\"id\":\"slow-1\",\"method\":\"late\",\"params\":{\"delayMs\":100}}", "5s")
                .then().statusCode(200).body("result.delayMs", equalTo(100));
        assertEquals(List.of("quiet-1", "slow-1"), rpc.requestIds, "the timed-out request was written once");
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("longlink_requests_total{connection=\"" + id + "\",outcome=\"reply-timeout\"} 1.0"),
                "requests are counted by outcome");
        assertTrue(metrics.contains("longlink_requests_total{connection=\"" + id + "\",outcome=\"replied\"} 1.0"));
        assertTrue(metrics.contains("longlink_request_round_trip_seconds_count{connection=\"" + id + "\"} 1"),
                "the round trip of the answered one is measured");
    }

    @Test
    void theSocketDroppedAfterTheWriteIsSocketLostAndTheRequestIsNeverReplayed() {
        String id = "rpc-killer";
        JsonRpcProtocol rpc = rpc(id, "");
        long generation = Api.status(id).getLong("generation");
        request(id, "{\"jsonrpc\":\"2.0\",\"id\":\"fatal\",\"method\":\"kill\"}", "10s").then().statusCode(502)
                .contentType("application/problem+json").header("Longlink-Request-Id", "fatal")
                .body("type", equalTo(PROBLEMS + "socket-lost"));
        await().atMost(PATIENCE).until(() -> Api.status(id).getLong("generation") > generation
                && "OPEN".equals(Api.state(id)));
        request(id, "{\"jsonrpc\":\"2.0\",\"id\":\"after\",\"method\":\"echo\",\"params\":1}", null).then()
                .statusCode(200).body("result", equalTo(1));
        assertEquals(List.of("fatal", "after"), rpc.requestIds, "never re-sent on the new socket");
    }

    @Test
    void aRequestThatFindsTheConnectionClosedIsNotSentAndNeverReachesTheUpstreamLater() {
        String id = "rpc-closed";
        rpc(id, "");
        Api.close(id);
        request(id, "{\"jsonrpc\":\"2.0\",\"id\":\"withdrawn\",\"method\":\"echo\"}", "300ms").then().statusCode(503)
                .contentType("application/problem+json").header("Longlink-Request-Id", "withdrawn")
                .body("type", equalTo(PROBLEMS + "not-sent"));
        Api.open(id);
        awaitState(id, "OPEN");
        Api.send(id, "after-open");
        await().atMost(PATIENCE).until(() -> upstream(id).texts().contains("after-open"));
        assertFalse(upstream(id).texts().stream().anyMatch(t -> t.contains("withdrawn")),
                "a withdrawn request is never written");
    }

    @Test
    void beyondTheInFlightLimitARequestIsRefused() {
        String id = "rpc-limited";
        JsonRpcProtocol rpc = rpc(id, "\"requests\": {\"max-in-flight\": 2}");
        HttpClient client = HttpClient.newHttpClient();
        var first = requestAsync(client, id, "{\"id\":1,\"method\":\"never\"}", "3s");
        var second = requestAsync(client, id, "{\"id\":2,\"method\":\"never\"}", "3s");
        await().atMost(PATIENCE).until(() -> rpc.requestIds.size() == 2);
        request(id, "{\"id\":3,\"method\":\"echo\"}", null).then().statusCode(503)
                .contentType("application/problem+json").header("Retry-After", notNullValue())
                .body("type", equalTo(PROBLEMS + "too-many-requests"));
        request(id, "{\"id\":1,\"method\":\"echo\"}", null).then().statusCode(409)
                .contentType("application/problem+json").body("type", equalTo(PROBLEMS + "duplicate-request-id"));
        assertEquals(504, first.join().statusCode());
        assertEquals(504, second.join().statusCode());
        assertEquals(2, rpc.requestIds.size(), "the refused ones were never written");
    }

    @Test
    void requestsAndEnqueuedMessagesReachTheUpstreamInArrivalOrder() {
        String id = "rpc-order";
        rpc(id, "");
        Api.send(id, "M1");
        request(id, "{\"jsonrpc\":\"2.0\",\"id\":\"R\",\"method\":\"echo\"}", null).then().statusCode(200);
        Api.send(id, "M2");
        Api.close(id);
        Api.send(id, "M3");
        HttpClient client = HttpClient.newHttpClient();
        var r2 = requestAsync(client, id, "{\"jsonrpc\":\"2.0\",\"id\":\"R2\",\"method\":\"echo\"}", "20s");
        // R2 has arrived (it waits for a socket) before M4 is sent
        await().atMost(PATIENCE).until(() -> Api.status(id).getInt("requests") == 1);
        Api.send(id, "M4");
        Api.open(id);
        assertEquals(200, r2.join().statusCode());
        await().atMost(PATIENCE).until(() -> upstream(id).texts().contains("M4"));
        assertEquals(List.of("M1", "{\"jsonrpc\":\"2.0\",\"id\":\"R\",\"method\":\"echo\"}", "M2", "M3",
                "{\"jsonrpc\":\"2.0\",\"id\":\"R2\",\"method\":\"echo\"}", "M4"), upstream(id).texts());
    }

    @Test
    void badRequestsAreProblemsAndSendNothing() {
        String id = "rpc-strict";
        rpc(id, "\"requests\": {\"max-timeout\": \"30s\"}");
        request(id, "{\"id\":", null).then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo(PROBLEMS + "invalid-request"));
        request(id, "[1,2,3]", null).then().statusCode(400).body("type", equalTo(PROBLEMS + "invalid-request"));
        request(id, "{\"id\":1}", "soon").then().statusCode(400).body("type", equalTo(PROBLEMS + "invalid-timeout"));
        request(id, "{\"id\":1}", "31s").then().statusCode(400).body("type", equalTo(PROBLEMS + "invalid-timeout"));
        request(id, "{\"id\":1}", "0s").then().statusCode(400).body("type", equalTo(PROBLEMS + "invalid-timeout"));
        given().contentType("text/plain").body("{\"id\":1}").post("/connections/{id}/requests", id).then()
                .statusCode(415).contentType("application/problem+json");
        request("no-such-connection", "{\"id\":1}", null).then().statusCode(404)
                .body("type", equalTo(PROBLEMS + "unknown-connection"));
        assertEquals(List.of(), upstream(id).texts());
    }
}
