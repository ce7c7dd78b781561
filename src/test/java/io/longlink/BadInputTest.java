package io.longlink;

import static io.longlink.testing.Api.close;
import static io.longlink.testing.Api.status;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.UpstreamResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;

/**
 * Behaviour 8 of the core issue: every error of the contract is application/problem+json with type, title,
 * status and detail, and changes nothing: no message is queued or sent.
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class BadInputTest {

    private int queuedBefore;
    private int framesBefore;

    @BeforeEach
    void closeTiny() {
        close("tiny");
        queuedBefore = status("tiny").getInt("queued");
        framesBefore = UpstreamResource.main().path("/tiny").frames.size();
    }

    private void nothingChanged() {
        assertEquals(queuedBefore, status("tiny").getInt("queued"));
        assertEquals(framesBefore, UpstreamResource.main().path("/tiny").frames.size());
    }

    private static ValidatableResponse problem(ValidatableResponse response, int status, String type) {
        return response.statusCode(status)
                .contentType("application/problem+json")
                .body("type", endsWith("/" + type))
                .body("title", notNullValue())
                .body("status", equalTo(status))
                .body("detail", notNullValue());
    }

    @Test
    void emptyBodyIs400() {
        problem(given().contentType("text/plain").body("").post("/connections/tiny/messages").then(), 400,
                "empty-body");
        problem(given().contentType("application/octet-stream").body(new byte[0])
                .post("/connections/tiny/messages").then(), 400, "empty-body");
        nothingChanged();
    }

    @Test
    void oversizedBodyIs413() {
        problem(given().contentType("text/plain").body("seventeen bytes!!").post("/connections/tiny/messages")
                .then(), 413, "message-too-large").body("detail", containsString("16"));
        nothingChanged();
    }

    @Test
    void exactlyTheLimitIsAccepted() {
        given().contentType("text/plain").body("sixteen bytes!!!").post("/connections/tiny/messages")
                .then().statusCode(202);
        assertEquals(queuedBefore + 1, status("tiny").getInt("queued"));
        given().post("/connections/tiny/open").then().statusCode(200);
        org.awaitility.Awaitility.await().atMost(io.longlink.testing.Api.PATIENCE)
                .until(() -> status("tiny").getInt("queued") == 0);
        close("tiny");
    }

    @Test
    void aBodyOverTheHttpLimitIs413ProblemJsonBeforeItIsRead() throws Exception {
        long overLimit = 10L * 1024 * 1024 + 1;
        String response;
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /connections/tiny/messages HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Length: " + overLimit
                    + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(response.startsWith("HTTP/1.1 413"), response);
        assertTrue(response.toLowerCase().contains("content-type: application/problem+json"), response);
        JsonPath problem = new JsonPath(response.substring(response.indexOf("\r\n\r\n") + 4));
        assertTrue(problem.getString("type").endsWith("/request-too-large"), response);
        assertEquals(413, problem.getInt("status"));
        assertTrue(problem.getString("detail").contains("max-body-size"), response);
        nothingChanged();
    }

    @Test
    void a64KibHeaderIs431ProblemJsonAndChangesNothing() {
        problem(given().header("X-Big", "h".repeat(64 * 1024)).contentType("text/plain").body("x")
                .post("/connections/tiny/messages").then(), 431, "headers-too-large")
                .body("detail", containsString("quarkus.http.limits.max-header-size"))
                .header("Connection", "close");
        nothingChanged();
    }

    @Test
    void aRequestLineOverTheLimitIs414ProblemJson() {
        problem(given().get("/connections/" + "u".repeat(8 * 1024)).then(), 414, "uri-too-long")
                .body("detail", containsString("quarkus.http.limits.max-initial-line-length"));
    }

    @Test
    void aChunkedBodyOverTheHttpLimitIs413ProblemJsonAndCreatesNothing() throws Exception {
        String response;
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(20_000);
            // read while writing: the answer comes (and the socket closes) before the body is all sent
            java.util.concurrent.CompletableFuture<String> answer = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> readWhatArrives(socket));
            try {
                java.io.OutputStream out = socket.getOutputStream();
                out.write(("PUT /connections/chunky HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[1 << 20];
                java.util.Arrays.fill(chunk, (byte) ' ');
                for (int i = 0; i < 11; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (java.io.IOException closedByTheServer) {
                // expected once it answered
            }
            response = answer.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertTrue(response.startsWith("HTTP/1.1 413"), response);
        assertTrue(response.toLowerCase().contains("content-type: application/problem+json"), response);
        JsonPath problem = new JsonPath(response.substring(response.indexOf("\r\n\r\n") + 4));
        assertTrue(problem.getString("type").endsWith("/request-too-large"), response);
        assertTrue(problem.getString("detail").contains("max-body-size"), response);
        given().get("/connections/chunky").then().statusCode(404);
    }

    private static String readWhatArrives(Socket socket) {
        java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            java.io.InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) > 0;) {
                read.write(buffer, 0, n);
            }
        } catch (java.io.IOException e) {
            // a reset after the answer: keep what arrived
        }
        return read.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anIdempotencyKeyOver255CharactersIs400() {
        problem(given().contentType("text/plain").header("Idempotency-Key", "k".repeat(256)).body("x")
                .post("/connections/tiny/messages").then(), 400, "invalid-idempotency-key");
        problem(given().contentType("text/plain").header("Idempotency-Key", "k".repeat(20_000)).body("x")
                .post("/connections/tiny/messages").then(), 400, "invalid-idempotency-key");
        nothingChanged();
        String longest = (java.util.UUID.randomUUID() + "k".repeat(255)).substring(0, 255);
        given().contentType("text/plain").header("Idempotency-Key", longest).body("x")
                .post("/connections/tiny/messages").then().statusCode(202);
        given().post("/connections/tiny/open").then().statusCode(200);
        org.awaitility.Awaitility.await().atMost(io.longlink.testing.Api.PATIENCE)
                .until(() -> status("tiny").getInt("queued") == 0);
        close("tiny");
    }

    @Test
    void unsupportedMediaTypesAre415() {
        problem(given().contentType("image/png").body(new byte[] { 1 }).post("/connections/tiny/messages").then(),
                415, "unsupported-media-type");
        problem(given().contentType("application/xml").body("<a/>").post("/connections/tiny/messages").then(),
                415, "unsupported-media-type");
        problem(given().contentType("text/plain").body("[{\"text\":\"a\"}]").post("/connections/tiny/messages:batch")
                .then(), 415, "unsupported-media-type");
        nothingChanged();
    }

    @Test
    void textThatIsNotValidInItsCharsetIs400() {
        problem(given().contentType("text/plain; charset=utf-8").body(new byte[] { (byte) 0xc3, (byte) 0x28 })
                .post("/connections/tiny/messages").then(), 400, "invalid-text");
        nothingChanged();
    }

    @Test
    void unknownConnectionIs404ForEveryEndpoint() {
        problem(given().contentType("text/plain").body("x").post("/connections/nope/messages").then(), 404,
                "unknown-connection");
        problem(given().get("/connections/nope/messages/1").then(), 404, "unknown-connection");
        problem(given().get("/connections/nope/inbound").then(), 404, "unknown-connection");
        problem(given().get("/connections/nope/inbound/stream").then(), 404, "unknown-connection");
        nothingChanged();
    }

    @Test
    void unknownMessageIs404() {
        problem(given().get("/connections/tiny/messages/999999").then(), 404, "unknown-message");
        problem(given().get("/connections/tiny/messages/not-a-number").then(), 404, "unknown-message");
    }

    @Test
    void badCursorsAre400() {
        problem(given().queryParam("after", "-1").get("/connections/tiny/inbound").then(), 400, "bad-cursor");
        problem(given().queryParam("after", "abc").get("/connections/tiny/inbound").then(), 400, "bad-cursor");
        problem(given().queryParam("limit", "0").get("/connections/tiny/inbound").then(), 400, "bad-cursor");
        problem(given().queryParam("limit", "100000").get("/connections/tiny/inbound").then(), 400, "bad-cursor");
        problem(given().header("Last-Event-ID", "xyz").get("/connections/tiny/inbound/stream").then(), 400,
                "bad-cursor");
    }

    @Test
    void unknownPathsAndMethodsAreProblemsToo() {
        problem(given().get("/no-such-thing").then(), 404, "not-found");
        problem(given().patch("/connections/tiny").then(), 405, "method-not-allowed");
    }
}
