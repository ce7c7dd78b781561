package io.longlink.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.longlink.rest.ProblemMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The control plane with authentication on (DESIGN.md "Control plane: who may do what"), over real HTTP: every
 * endpoint with every role's key (allowed: 2xx; others: 403; no key or an unknown one: 401, all as problem+json),
 * a producer limited to {@code orders-*}, JWTs signed by keys this run made, the open endpoints, and no credential
 * in logs, status, metrics or error bodies.
 */
@QuarkusTest
@TestProfile(AuthTestProfile.class)
class AuthTest {

    private static final String AUDIT = "audit";
    private static final String ORDERS = "orders-eu";
    private static final Set<String> EVERY_ROLE = Set.copyOf(TestCredentials.ROLE_KEYS);

    /** One endpoint of the contract: which roles may call it and what they get. */
    private record Endpoint(String method, String path, Set<String> roles, int success) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String messageId;

    @BeforeEach
    void aMessageToLookUp() {
        messageId = as(TestCredentials.apiKey(Roles.ADMIN)).contentType("text/plain").body("lookup")
                .post("/connections/{id}/messages", AUDIT).then().statusCode(202).extract().path("id");
    }

    private List<Endpoint> endpoints() {
        String base = "/connections/" + AUDIT;
        return List.of(
                new Endpoint("GET", "/connections", EVERY_ROLE, 200),
                new Endpoint("GET", base, EVERY_ROLE, 200),
                new Endpoint("POST", base + "/open", Set.of(Roles.OPERATOR, Roles.ADMIN), 200),
                new Endpoint("POST", base + "/close", Set.of(Roles.OPERATOR, Roles.ADMIN), 200),
                new Endpoint("POST", base + "/messages", Set.of(Roles.PRODUCER, Roles.ADMIN), 202),
                new Endpoint("POST", base + "/messages:batch", Set.of(Roles.PRODUCER, Roles.ADMIN), 202),
                new Endpoint("GET", base + "/messages/" + messageId, Set.of(Roles.PRODUCER, Roles.ADMIN), 200),
                new Endpoint("GET", base + "/inbound", Set.of(Roles.CONSUMER, Roles.ADMIN), 200),
                new Endpoint("GET", base + "/inbound/stream", Set.of(Roles.CONSUMER, Roles.ADMIN), 200),
                new Endpoint("GET", base + "/events", EVERY_ROLE, 200),
                new Endpoint("GET", "/events", EVERY_ROLE, 200),
                new Endpoint("GET", "/whoami", EVERY_ROLE, 200),
                new Endpoint("GET", "/q/metrics", EVERY_ROLE, 200));
    }

    @Test
    void everyEndpointAnswersEachRoleByTheRoleTable() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            for (String role : TestCredentials.ROLE_KEYS) {
                int expected = endpoint.roles().contains(role) ? endpoint.success() : 403;
                int status = call(endpoint, Map.of("Authorization", "Bearer " + TestCredentials.apiKey(role)));
                if (status != expected) {
                    wrong.add(endpoint + " as " + role + ": " + status + ", expected " + expected);
                }
            }
            int anonymous = call(endpoint, Map.of());
            if (anonymous != 401) {
                wrong.add(endpoint + " without a key: " + anonymous);
            }
            int unknown = call(endpoint, Map.of("X-API-Key", "0".repeat(64)));
            if (unknown != 401) {
                wrong.add(endpoint + " with an unknown key: " + unknown);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void refusalsAreProblemDocumentsWithTheContractsTypes() {
        for (String path : List.of("/connections", "/connections/audit/inbound/stream", "/q/metrics")) {
            given().get(path).then().statusCode(401)
                    .header("WWW-Authenticate", "Bearer")
                    .contentType(startsWith(ProblemMapper.PROBLEM_JSON))
                    .body("type", equalTo("https://longlink.dev/problems/unauthorized"))
                    .body("status", equalTo(401))
                    .body("detail", not(equalTo(null)));
            given().header("Authorization", "Bearer not-a-key").get(path).then().statusCode(401)
                    .header("WWW-Authenticate", "Bearer")
                    .contentType(startsWith(ProblemMapper.PROBLEM_JSON))
                    .body("type", equalTo("https://longlink.dev/problems/unauthorized"));
        }
        as(TestCredentials.apiKey(Roles.VIEWER)).post("/connections/{id}/open", AUDIT).then().statusCode(403)
                .contentType(startsWith(ProblemMapper.PROBLEM_JSON))
                .body("type", equalTo("https://longlink.dev/problems/forbidden"))
                .body("title", equalTo("Forbidden"))
                .body("status", equalTo(403));
    }

    @Test
    void keysAreTakenFromEitherHeader() {
        String key = TestCredentials.apiKey(Roles.VIEWER);
        given().header("X-API-Key", key).get("/connections").then().statusCode(200);
        given().header("Authorization", "Bearer " + key).get("/connections").then().statusCode(200);
        given().header("Authorization", "bearer " + key).get("/connections").then().statusCode(200);
        given().header("Authorization", "Basic " + key).get("/connections").then().statusCode(401);
    }

    @Test
    void aProducerLimitedToOrdersSendsThereOnlyAndSeesNothingElse() {
        String key = TestCredentials.apiKey(TestCredentials.ORDERS_PRODUCER);
        as(key).contentType("text/plain").body("order 1").post("/connections/{id}/messages", ORDERS)
                .then().statusCode(202);
        as(key).contentType("text/plain").body("order 1").post("/connections/{id}/messages", AUDIT)
                .then().statusCode(403).body("type", equalTo("https://longlink.dev/problems/forbidden"));
        as(key).get("/connections/{id}", ORDERS).then().statusCode(200);
        as(key).get("/connections/{id}", AUDIT).then().statusCode(403);
        as(key).get("/connections/{id}", "nope").then().statusCode(403);
        as(key).get("/connections/{id}", "orders-nope").then().statusCode(404);
        as(key).get("/connections/{id}/inbound", ORDERS).then().statusCode(403);
        List<String> visible = as(key).get("/connections").then().statusCode(200).extract().path("id");
        assertEquals(List.of(ORDERS), visible);
        as(key).get("/connections?limit=1").then().statusCode(200).body("id", equalTo(List.of(ORDERS)))
                .header("Link", org.hamcrest.Matchers.nullValue());
        as(key).get("/connections?q=a&state=CLOSED,OPEN,CONNECTING,RECONNECTING").then().statusCode(200)
                .body("id", equalTo(List.of()));
        List<String> all = as(TestCredentials.apiKey(Roles.VIEWER)).get("/connections").then().statusCode(200)
                .extract().path("id");
        assertTrue(all.containsAll(List.of(ORDERS, AUDIT, "manual")), all.toString());
        as(key).get("/connections/{id}/events", AUDIT).then().statusCode(403);
        as(key).get("/whoami").then().statusCode(200).body("connections", equalTo(List.of("orders-*")))
                .body("roles", org.hamcrest.Matchers.hasItems(Roles.PRODUCER, Roles.VIEWER));
    }

    @Test
    void theEventStreamShowsOnlyTheConnectionsTheCallerMaySee() throws Exception {
        String key = TestCredentials.apiKey(TestCredentials.ORDERS_PRODUCER);
        String admin = TestCredentials.apiKey(Roles.ADMIN);
        try (io.longlink.testing.SseClient events = io.longlink.testing.SseClient.open("/events", null,
                Map.of("X-API-Key", key))) {
            as(admin).post("/connections/{id}/open", AUDIT).then().statusCode(200);
            as(admin).post("/connections/{id}/close", AUDIT).then().statusCode(200);
            as(admin).post("/connections/{id}/open", ORDERS).then().statusCode(200);
            as(admin).post("/connections/{id}/close", ORDERS).then().statusCode(200);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> events.events.stream().anyMatch(e -> e.data().contains("\"CLOSED\"")));
            assertTrue(events.events.stream().allMatch(e -> e.data().contains("\"connection\":\"" + ORDERS + "\"")),
                    events.events.toString());
        }
    }

    @Test
    void jwtsFromTheTrustedIssuerWorkAndAllOthersAreRefused() {
        Instant later = Instant.now().plusSeconds(600);
        String operator = TestCredentials.jwt("trusted", TestCredentials.ISSUER, later, Set.of(Roles.OPERATOR),
                List.of("orders-*"));
        as(operator).get("/connections/{id}", ORDERS).then().statusCode(200);
        as(operator).post("/connections/{id}/open", ORDERS).then().statusCode(200).body("desired", equalTo("OPEN"));
        as(operator).post("/connections/{id}/close", ORDERS).then().statusCode(200).body("desired", equalTo("CLOSED"));
        as(operator).post("/connections/{id}/open", AUDIT).then().statusCode(403);
        as(operator).contentType("text/plain").body("x").post("/connections/{id}/messages", ORDERS).then().statusCode(403);
        List<String> visible = as(operator).get("/connections").then().statusCode(200).extract().path("id");
        assertEquals(List.of(ORDERS), visible);

        String everywhere = TestCredentials.jwt("trusted", TestCredentials.ISSUER, later, Set.of(Roles.CONSUMER), null);
        as(everywhere).get("/connections/{id}/inbound", AUDIT).then().statusCode(200);
        as(everywhere).get("/connections/{id}/inbound", ORDERS).then().statusCode(200);
        String unknownGroup = TestCredentials.jwt("trusted", TestCredentials.ISSUER, later, Set.of("superuser"), null);
        as(unknownGroup).get("/connections").then().statusCode(403);

        String expired = TestCredentials.jwt("trusted", TestCredentials.ISSUER, Instant.now().minusSeconds(3600),
                Set.of(Roles.ADMIN), null);
        String wrongIssuer = TestCredentials.jwt("trusted", "https://impostor.test", later, Set.of(Roles.ADMIN), null);
        String wrongSignature = TestCredentials.jwt("impostor", TestCredentials.ISSUER, later, Set.of(Roles.ADMIN), null);
        for (String token : List.of(expired, wrongIssuer, wrongSignature)) {
            as(token).get("/connections").then().statusCode(401)
                    .header("WWW-Authenticate", "Bearer")
                    .contentType(startsWith(ProblemMapper.PROBLEM_JSON))
                    .body("type", equalTo("https://longlink.dev/problems/unauthorized"));
        }
    }

    @Test
    void healthOpenApiAndTheConsolePathNeedNoKey() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/started").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
        given().get("/").then().statusCode(200).body(org.hamcrest.Matchers.containsString("longlink console"));
        given().get("/console.js").then().statusCode(200);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theOpenApiDocumentDeclaresBothSchemesAndEveryRefusal() {
        Map<String, Object> doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().jsonPath().getMap("$");
        Map<String, Object> components = (Map<String, Object>) doc.get("components");
        Map<String, Object> schemes = (Map<String, Object>) components.get("securitySchemes");
        assertEquals("bearer", ((Map<String, Object>) schemes.get("bearer")).get("scheme"));
        assertEquals("X-API-Key", ((Map<String, Object>) schemes.get("apiKey")).get("name"));
        assertNotNull(doc.get("security"));
        Map<String, Object> paths = (Map<String, Object>) doc.get("paths");
        int operations = 0;
        for (Map.Entry<String, Object> path : paths.entrySet()) {
            if (!path.getKey().startsWith("/connection") && !path.getKey().startsWith("/events")
                    && !path.getKey().startsWith("/whoami")) {
                continue;
            }
            for (Map.Entry<String, Object> operation : ((Map<String, Object>) path.getValue()).entrySet()) {
                Map<String, Object> responses = (Map<String, Object>) ((Map<String, Object>) operation.getValue())
                        .get("responses");
                String where = operation.getKey() + " " + path.getKey();
                assertEquals("#/components/responses/Unauthorized",
                        ((Map<String, Object>) responses.get("401")).get("$ref"), where);
                assertEquals("#/components/responses/Forbidden",
                        ((Map<String, Object>) responses.get("403")).get("$ref"), where);
                operations++;
            }
        }
        // connections (with messages, batches, requests, spec), connection-counts, events, whoami
        assertEquals(17, operations);
        Map<String, Object> responses = (Map<String, Object>) components.get("responses");
        for (String name : List.of("Unauthorized", "Forbidden")) {
            Map<String, Object> content = (Map<String, Object>) ((Map<String, Object>) responses.get(name)).get("content");
            assertTrue(content.containsKey(ProblemMapper.PROBLEM_JSON), name);
        }
    }

    @Test
    void noKeyOrTokenAppearsInLogsStatusMetricsOrErrors() throws Exception {
        List<String> secrets = new ArrayList<>();
        TestCredentials.ROLE_KEYS.forEach(role -> secrets.add(TestCredentials.apiKey(role)));
        secrets.add(TestCredentials.apiKey(TestCredentials.ORDERS_PRODUCER));
        String token = TestCredentials.jwt("trusted", TestCredentials.ISSUER, Instant.now().plusSeconds(600),
                Set.of(Roles.ADMIN), null);
        String badToken = TestCredentials.jwt("impostor", TestCredentials.ISSUER, Instant.now().plusSeconds(600),
                Set.of(Roles.ADMIN), null);
        String unknownKey = "f".repeat(64);
        secrets.addAll(List.of(token, badToken, unknownKey));

        List<String> bodies = new ArrayList<>();
        for (String secret : secrets) {
            bodies.add(as(secret).get("/connections").asString());
            bodies.add(as(secret).get("/connections/{id}", AUDIT).asString());
            bodies.add(as(secret).post("/connections/{id}/open", AUDIT).asString());
            bodies.add(given().header("X-API-Key", secret).get("/q/metrics").asString());
        }
        bodies.add(as(TestCredentials.apiKey(Roles.ADMIN)).post("/connections/{id}/close", AUDIT).asString());
        String metrics = as(TestCredentials.apiKey(Roles.VIEWER)).get("/q/metrics").then().statusCode(200)
                .extract().asString();
        assertTrue(metrics.contains("longlink_connection_state"));
        bodies.add(metrics);
        String log = Files.readString(Path.of(AuthTestProfile.LOG), StandardCharsets.UTF_8);
        assertFalse(log.isEmpty(), "the application logs to " + AuthTestProfile.LOG);
        for (String secret : secrets) {
            String head = secret.substring(0, 16);
            assertFalse(log.contains(head), "a credential is in the log");
            bodies.forEach(body -> assertFalse(body.contains(head), "a credential is in a response: " + body));
            // the JWT's signature part, not only its (public) header
            String tail = secret.substring(secret.length() - 16);
            assertFalse(log.contains(tail), "a credential is in the log");
        }
    }

    private static RequestSpecification as(String credential) {
        return given().header("Authorization", "Bearer " + credential);
    }

    /** The status {@code endpoint} answers with these headers; the SSE stream is read only up to its headers. */
    private int call(Endpoint endpoint, Map<String, String> headers) throws IOException, InterruptedException {
        if (endpoint.path().endsWith("/stream") || endpoint.path().endsWith("/events")) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                    + endpoint.path())).timeout(Duration.ofSeconds(10)).GET();
            headers.forEach(request::header);
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                return response.statusCode();
            }
        }
        RequestSpecification request = given().headers(headers);
        if (endpoint.method().equals("POST") && endpoint.path().endsWith("/messages")) {
            request = request.contentType("text/plain").body("from the role table");
        } else if (endpoint.method().equals("POST") && endpoint.path().endsWith("/messages:batch")) {
            request = request.urlEncodingEnabled(false).contentType("application/json")
                    .body("[{\"text\":\"from the role table\"},{\"text\":\"in a batch\"}]");
        }
        Response response = request.request(endpoint.method(), endpoint.path());
        if (response.statusCode() >= 400) {
            assertTrue(response.contentType().startsWith(ProblemMapper.PROBLEM_JSON),
                    endpoint + " answered " + response.statusCode() + " as " + response.contentType());
        }
        return response.statusCode();
    }
}
