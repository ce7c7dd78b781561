package io.longlink.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.longlink.testing.UpstreamResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** {@code /q/openapi} documents every endpoint, body and error of the HTTP contract, with examples. */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class OpenApiTest {

    /** The contract of DESIGN.md: path, method, every status it answers. */
    private static final List<Object[]> CONTRACT = List.of(
            new Object[] { "/connections", "get", List.of("200", "400") },
            new Object[] { "/connections/{id}", "get", List.of("200", "404") },
            new Object[] { "/connections/{id}/open", "post", List.of("200", "404") },
            new Object[] { "/connections/{id}/close", "post", List.of("200", "404") },
            new Object[] { "/connections/{id}/messages", "post", List.of("202", "400", "404", "413", "415", "503") },
            new Object[] { "/connections/{id}/messages/{messageId}", "get", List.of("200", "404") },
            new Object[] { "/connections/{id}/requests", "post",
                    List.of("200", "400", "404", "409", "413", "415", "502", "503", "504") },
            new Object[] { "/connections/{id}/inbound", "get", List.of("200", "400", "404") },
            new Object[] { "/connections/{id}/inbound/stream", "get", List.of("200", "404") });

    @Test
    @SuppressWarnings("unchecked")
    void everyEndpointStatusAndErrorIsDocumentedWithAnExample() {
        Map<String, Object> doc = given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().jsonPath().getMap("$");
        Map<String, Object> paths = (Map<String, Object>) doc.get("paths");
        Map<String, Object> components = (Map<String, Object>) doc.get("components");
        for (Object[] entry : CONTRACT) {
            String path = (String) entry[0];
            Map<String, Object> operation = (Map<String, Object>) ((Map<String, Object>) paths.get(path)).get(entry[1]);
            assertNotNull(operation, entry[1] + " " + path + " is documented");
            assertNotNull(operation.get("summary"), path + " has a summary");
            Map<String, Object> responses = (Map<String, Object>) operation.get("responses");
            for (String status : (List<String>) entry[2]) {
                Map<String, Object> response = resolve(components, (Map<String, Object>) responses.get(status));
                assertNotNull(response, entry[1] + " " + path + " documents " + status);
                Map<String, Object> content = (Map<String, Object>) response.get("content");
                assertNotNull(content, path + " " + status + " has a body");
                if (status.startsWith("4") || status.startsWith("5")) {
                    assertTrue(content.containsKey(ProblemMapper.PROBLEM_JSON), path + " " + status + " is a problem");
                }
                Map<String, Object> media = (Map<String, Object>) content.values().iterator().next();
                assertTrue(media.containsKey("example") || media.containsKey("examples"),
                        path + " " + status + " has an example");
            }
        }
        Map<String, Object> enqueue = (Map<String, Object>) ((Map<String, Object>) paths
                .get("/connections/{id}/messages")).get("post");
        Map<String, Object> body = resolveBody(components, (Map<String, Object>) enqueue.get("requestBody"));
        assertEquals(List.of("application/json", "text/plain", "application/octet-stream"),
                List.copyOf(((Map<String, Object>) body.get("content")).keySet()));
        Map<String, Object> unavailable = resolve(components, (Map<String, Object>) ((Map<String, Object>) enqueue
                .get("responses")).get("503"));
        assertTrue(((Map<String, Object>) unavailable.get("headers")).containsKey("Retry-After"));
        List<Map<String, Object>> listParameters = (List<Map<String, Object>>) ((Map<String, Object>) ((Map<String,
                Object>) paths.get("/connections")).get("get")).get("parameters");
        assertEquals(List.of("after", "limit", "q", "state"),
                listParameters.stream().map(p -> (String) p.get("name")).sorted().toList());
        assertTrue(listParameters.stream().allMatch(p -> p.get("description") != null), listParameters.toString());
        assertFalse(doc.toString().contains("Exception"), "no class names in the contract");
    }

    @Test
    void swaggerUiIsServedOutsideProd() {
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> resolve(Map<String, Object> components, Map<String, Object> response) {
        return follow(components, "responses", response);
    }

    private static Map<String, Object> resolveBody(Map<String, Object> components, Map<String, Object> body) {
        return follow(components, "requestBodies", body);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> follow(Map<String, Object> components, String kind, Map<String, Object> item) {
        if (item == null || !item.containsKey("$ref")) {
            return item;
        }
        String name = ((String) item.get("$ref")).replace("#/components/" + kind + "/", "");
        return (Map<String, Object>) ((Map<String, Object>) components.get(kind)).get(name);
    }
}
