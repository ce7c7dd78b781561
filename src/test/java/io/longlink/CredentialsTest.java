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
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.longlink.testing.TokenServer;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Issue 11 against real servers: an OAuth2 token endpoint issuing short-lived tokens and an upstream that checks
 * them, the rejection policy (429 with Retry-After, 403, close codes 1003 and 1013), and {@code wss://} with a CA
 * made by the test, with and without a client certificate. Nothing secret is ever shown.
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class CredentialsTest {

    /** Every secret the configuration or the token server holds: none may ever be shown. */
    static final List<String> SECRETS = List.of(UpstreamResource.CLIENT_SECRET, "tk-");

    private static String authorization(UpstreamServer.PathState path, int handshake) {
        return path.handshakes.get(handshake).get("authorization");
    }

    @Test
    void tokensAreFetchedRefreshedOnExpiryAndAfterA401AndRejectedOnesEndInFailedAfterTwoHandshakes() {
        TokenServer tokens = UpstreamResource.tokens();
        UpstreamServer main = UpstreamResource.main();
        UpstreamServer.PathState path = main.path("/oauth");
        main.requireAuthorization("/oauth", tokens::accepts);
        tokens.lifetimeSeconds = 3;

        open("oauth");
        awaitState("oauth", "OPEN");
        int issued = tokens.issued();
        String first = authorization(path, path.handshakes.size() - 1);
        assertTrue(tokens.accepts(first), first);
        assertTrue(tokens.requests.get(tokens.requests.size() - 1).contains("scope=feed%3Aread+feed%3Awrite")
                || tokens.requests.get(tokens.requests.size() - 1).contains("scope=feed%3Aread%20feed%3Awrite"),
                tokens.requests.toString());

        // the held token expires: the next socket gets a new one without being rejected first
        tokens.lifetimeSeconds = 60;
        await().atMost(PATIENCE).until(() -> tokens.expired(first.substring("Bearer ".length())));
        int before = path.handshakes.size();
        main.closeSockets("/oauth", (short) 1011, "restart");
        await().atMost(PATIENCE).until(() -> path.handshakes.size() > before && "OPEN".equals(state("oauth")));
        assertEquals(before + 1, path.handshakes.size(), "no rejected handshake in between");
        assertEquals(issued + 1, tokens.issued());
        String second = authorization(path, before);
        assertTrue(!second.equals(first) && tokens.accepts(second));

        // the upstream revokes the held token: one 401, a new token, open again
        tokens.revoke(second.substring("Bearer ".length()));
        int beforeRevoke = path.handshakes.size();
        main.closeSockets("/oauth", (short) 1011, "restart");
        await().atMost(PATIENCE).until(() -> path.handshakes.size() >= beforeRevoke + 2
                && "OPEN".equals(state("oauth")));
        assertEquals(second, authorization(path, beforeRevoke), "the held token first");
        assertEquals(issued + 2, tokens.issued());

        // every token the endpoint issues is rejected: two handshakes, then FAILED
        tokens.issuesBadTokens = true;
        int held = tokens.issued();
        String third = authorization(path, path.handshakes.size() - 1);
        tokens.revoke(third.substring("Bearer ".length()));
        int beforeBad = path.handshakes.size();
        main.closeSockets("/oauth", (short) 1011, "restart");
        awaitState("oauth", "FAILED");
        JsonPath failed = status("oauth");
        assertEquals("unauthorized (HTTP 401)", failed.getString("lastError"));
        await().during(Duration.ofSeconds(1)).atMost(PATIENCE).until(() -> path.handshakes.size() == beforeBad + 2);
        assertEquals(held + 1, tokens.issued());
        assertNothingSecretShown();

        tokens.issuesBadTokens = false;
        open("oauth");
        awaitState("oauth", "OPEN");
        close("oauth");
    }

    @Test
    void retryAfterIsHonouredBeyondTheMaxDelayAndShownInNextAttemptAt() {
        UpstreamServer main = UpstreamResource.main();
        UpstreamServer.PathState path = main.path("/limited");
        main.rejectHandshakes("/limited", 429, "2");
        open("limited");
        await().atMost(PATIENCE).until(() -> "RECONNECTING".equals(state("limited")));
        JsonPath waiting = status("limited");
        Duration shown = Duration.between(Instant.now(), Instant.parse(waiting.getString("nextAttemptAt")));
        assertTrue(shown.toMillis() > 1000 && shown.toMillis() <= 2000, "nextAttemptAt in " + shown);
        assertEquals(1, path.handshakes.size(), "no attempt before Retry-After");
        await().atMost(PATIENCE).until(() -> path.handshakes.size() >= 2);
        long gapMillis = (path.handshakeNanos.get(1) - path.handshakeNanos.get(0)) / 1_000_000;
        assertTrue(gapMillis >= 2000, "second attempt after " + gapMillis + " ms (max-delay is 400 ms)");
        main.rejectHandshakes("/limited", 0);
        awaitState("limited", "OPEN");
        close("limited");
    }

    @Test
    void aFatalStatusFailsAtOnce() {
        UpstreamServer main = UpstreamResource.main();
        main.rejectHandshakes("/forbidden", 403);
        assertFailedAfterOneHandshake("forbidden", "handshake rejected with HTTP status 403");
        main.rejectHandshakes("/forbidden", 0);
    }

    @Test
    void aFatalCloseCodeFailsAtOnce() {
        UpstreamServer main = UpstreamResource.main();
        main.closeOnOpen("/picky", 1003);
        JsonPath failed = assertFailedAfterOneHandshake("picky", "closed by upstream with close code 1003");
        assertEquals(1003, failed.getInt("lastCloseCode"));
        main.closeOnOpen("/picky", 0);
    }

    /** Opens {@code id} (path {@code /id}), which ends FAILED with {@code lastError} and stays there; closes it. */
    private static JsonPath assertFailedAfterOneHandshake(String id, String lastError) {
        open(id);
        awaitState(id, "FAILED");
        JsonPath failed = status(id);
        assertEquals(lastError, failed.getString("lastError"));
        await().during(Duration.ofSeconds(1)).atMost(PATIENCE)
                .until(() -> UpstreamResource.main().path("/" + id).handshakes.size() == 1);
        close(id);
        return failed;
    }

    @Test
    void tryAgainLaterWaitsAtLeastTheInitialDelay() {
        UpstreamServer main = UpstreamResource.main();
        UpstreamServer.PathState path = main.path("/busy");
        main.closeOnOpen("/busy", 1013);
        open("busy");
        await().atMost(PATIENCE).until(() -> path.handshakeNanos.size() >= 3);
        close("busy");
        main.closeOnOpen("/busy", 0);
        for (int i = 1; i < 3; i++) {
            long gapMillis = (path.handshakeNanos.get(i) - path.handshakeNanos.get(i - 1)) / 1_000_000;
            assertTrue(gapMillis >= 1000, "attempt " + (i + 1) + " after " + gapMillis + " ms, initial-delay is 1 s");
        }
    }

    @Test
    void aPrivateCaIsTrustedOnlyWithItsTlsConfiguration() {
        UpstreamResource.tls();
        open("tls-default");
        await().atMost(PATIENCE).until(() -> {
            String error = status("tls-default").getString("lastError");
            return error != null && error.startsWith("tls: ");
        });
        assertTrue(!"OPEN".equals(state("tls-default")));
        close("tls-default");

        open("tls-trusted");
        awaitState("tls-trusted", "OPEN");
        close("tls-trusted");
    }

    @Test
    void anUpstreamRequiringAClientCertificateAcceptsOnlyTheKeyStore() {
        UpstreamServer mtls = UpstreamResource.mtls();
        open("mtls-nocert");
        await().atMost(PATIENCE).until(() -> status("mtls-nocert").getInt("attempt") >= 2);
        assertTrue(!"OPEN".equals(state("mtls-nocert")), status("mtls-nocert").prettify());
        assertTrue(mtls.path("/secure").handshakes.isEmpty(), "refused in the TLS handshake");
        close("mtls-nocert");

        open("mtls");
        awaitState("mtls", "OPEN");
        close("mtls");
    }

    static void assertNothingSecretShown() {
        for (String secret : SECRETS) {
            given().get("/connections").then().body(not(containsString(secret)));
            given().get("/q/metrics").then().body(not(containsString(secret)));
            given().get("/connections/oauth").then().body(not(containsString(secret)));
        }
    }
}
