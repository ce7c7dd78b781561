package io.longlink;

import static io.longlink.testing.Api.PATIENCE;
import static io.longlink.testing.Api.awaitState;
import static io.longlink.testing.Api.close;
import static io.longlink.testing.Api.open;
import static io.longlink.testing.Api.state;
import static io.longlink.testing.Api.status;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** Behaviours 1, 2 and 7 of the core issue: configuration, open and close, status and generations. */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class ConnectionLifecycleTest {

    private static UpstreamServer upstream() {
        return UpstreamResource.main();
    }

    @Test
    void everyConfiguredConnectionIsListedAndAutoOpenOnesOpenAtStart() {
        given().get("/connections").then().statusCode(200)
                .body("id", hasItems("alpha", "beta", "manual", "tiny", "secret"));
        awaitState("alpha", "OPEN");
        awaitState("beta", "OPEN");
        JsonPath alpha = status("alpha");
        assertEquals("OPEN", alpha.getString("desired"));
        assertTrue(alpha.getLong("generation") >= 1);
        assertEquals(0, alpha.getInt("attempt"));
        assertTrue(alpha.getString("connectedAt") != null);
        // auto-open=false stays closed until asked
        assertEquals("CLOSED", status("tiny").getString("state"));
        assertEquals("CLOSED", status("tiny").getString("desired"));
    }

    @Test
    void statusObjectHasEveryContractField() {
        awaitState("alpha", "OPEN");
        Map<String, Object> fields = status("alpha").getMap("");
        for (String field : new String[] { "id", "url", "state", "desired", "generation", "attempt", "nextAttemptAt",
                "connectedAt", "lastError", "lastCloseCode", "lastCloseReason", "queued", "sent", "received",
                "lastPongAt", "rttMillis" }) {
            assertTrue(fields.containsKey(field), "status lacks " + field);
        }
    }

    @Test
    void heartbeatPongsShowUpAsRoundTripTime() {
        awaitState("alpha", "OPEN");
        await().atMost(PATIENCE).until(() -> status("alpha").get("rttMillis") != null);
        JsonPath alpha = status("alpha");
        assertTrue(alpha.getLong("rttMillis") >= 0);
        assertTrue(alpha.getString("lastPongAt") != null);
    }

    @Test
    void unknownConnectionIs404ProblemJson() {
        given().get("/connections/nope").then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", containsString("unknown-connection"))
                .body("title", equalTo("Unknown connection"))
                .body("status", equalTo(404))
                .body("detail", containsString("nope"));
        given().post("/connections/nope/open").then().statusCode(404).contentType("application/problem+json");
        given().post("/connections/nope/close").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void handshakeCarriesConfiguredHeadersAndSubprotocolsAndStatusHidesSecrets() {
        awaitState("secret", "OPEN");
        Map<String, String> handshake = upstream().path("/secret").handshakes.get(0);
        assertEquals("Bearer abc123", handshake.get("authorization"));
        assertTrue(handshake.get("sec-websocket-protocol").contains("chat.v2"));
        String url = status("secret").getString("url");
        assertTrue(!url.contains("hunter2") && !url.contains("s3cr3t"), url);
        assertTrue(url.contains("room=lobby"), url);
        given().get("/connections").then().body(not(containsString("hunter2"))).body(not(containsString("abc123")));
    }

    @Test
    void operatorCloseSends1000AndIsNeverUndoneThenOpenWorksAgain() {
        UpstreamServer.PathState manual = upstream().path("/manual");
        open("manual");
        awaitState("manual", "OPEN");
        long generation = status("manual").getLong("generation");
        int closesBefore = manual.closeCodes.size();

        JsonPath closed = close("manual");
        assertEquals("CLOSED", closed.getString("state"));
        assertEquals("CLOSED", closed.getString("desired"));
        assertEquals(1000, closed.getInt("lastCloseCode"));
        await().atMost(PATIENCE).until(() -> manual.closeCodes.size() > closesBefore);
        assertEquals(1000, manual.closeCodes.get(manual.closeCodes.size() - 1));

        // reconnect logic never undoes an operator's close (the timing is proven on fake time in ManagedConnectionTest)
        await().atMost(PATIENCE).until(() -> "CLOSED".equals(state("manual")) && manual.openSockets() == 0);

        open("manual");
        awaitState("manual", "OPEN");
        assertEquals(generation + 1, status("manual").getLong("generation"));
        close("manual");
    }

    @Test
    void openAndCloseAreIdempotent() {
        UpstreamServer.PathState manual = upstream().path("/manual");
        open("manual");
        open("manual");
        awaitState("manual", "OPEN");
        open("manual");
        assertEquals(1, manual.openSockets());
        close("manual");
        JsonPath again = close("manual");
        assertEquals("CLOSED", again.getString("state"));
        await().atMost(PATIENCE).until(() -> manual.openSockets() == 0);
    }

    @Test
    void rapidOpenCloseAlternationNeverLeavesTwoLiveSockets() {
        UpstreamServer.PathState manual = upstream().path("/manual");
        for (int i = 0; i < 25; i++) {
            open("manual");
            if (i % 3 == 0) {
                awaitState("manual", "OPEN");
            }
            close("manual");
        }
        assertEquals("CLOSED", state("manual"));
        await().atMost(PATIENCE).until(() -> manual.openSockets() == 0);
        open("manual");
        awaitState("manual", "OPEN");
        await().during(Duration.ofMillis(500)).atMost(PATIENCE).until(() -> manual.openSockets() == 1);
        close("manual");
    }

    @Test
    void connectionsAreIndependent() {
        awaitState("alpha", "OPEN");
        awaitState("beta", "OPEN");
        long alphaGeneration = status("alpha").getLong("generation");
        long betaGeneration = status("beta").getLong("generation");
        upstream().closeSockets("/beta", (short) 1001, "restarting");
        await().atMost(PATIENCE).until(() -> status("beta").getLong("generation") > betaGeneration
                && "OPEN".equals(state("beta")));
        assertEquals(1001, status("beta").getInt("lastCloseCode"));
        assertEquals("OPEN", state("alpha"));
        assertEquals(alphaGeneration, status("alpha").getLong("generation"));
    }
}
