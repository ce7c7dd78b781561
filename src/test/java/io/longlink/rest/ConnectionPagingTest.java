package io.longlink.rest;

import static io.longlink.testing.Api.awaitState;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.UpstreamResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * {@code GET /connections} with {@code state}, {@code q}, {@code limit} and {@code after}: following the {@code Link}
 * header visits every matching id once in ascending order; the filters combine; bad values answer 400 and the
 * plain list is unchanged; {@code GET /connection-counts} counts what the lists hold, by state.
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class ConnectionPagingTest {

    private static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");
    /** Runtime connections made for this test, created in an order that is not their id order. */
    private static final List<String> IDS = IntStream.range(0, 23).map(i -> (i * 7) % 23)
            .mapToObj(i -> "page-%02d".formatted(i)).toList();
    /** The ones opened: state=OPEN must find exactly these. */
    private static final List<String> OPENED = List.of("page-03", "page-11", "page-19");

    /** Whether this app has the connections yet (REST Assured knows the test port only from the first test on). */
    private static boolean created;
    /** The app's port, which REST Assured forgets before {@code @AfterAll}. */
    private static int port;

    @BeforeEach
    void createConnections() {
        if (created) {
            return;
        }
        created = true;
        port = io.restassured.RestAssured.port;
        String url = "ws://127.0.0.1:" + UpstreamResource.main().port() + "/paging";
        for (String id : IDS) {
            given().contentType("application/json").body("{\"url\": \"" + url + "\", \"auto-open\": false}")
                    .put("/connections/{id}", id).then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        }
        OPENED.forEach(id -> given().post("/connections/{id}/open", id).then().statusCode(200));
        OPENED.forEach(id -> awaitState(id, "OPEN"));
    }

    @AfterAll
    static void removeConnections() {
        IDS.forEach(id -> given().port(port).delete("/connections/{id}?discard=true", id).then().statusCode(204));
    }

    /** Follows {@code Link rel="next"} from {@code first}; returns every id seen, and how many pages it took. */
    private static List<String> walk(String first, List<Integer> pageSizes) {
        List<String> seen = new ArrayList<>();
        String uri = first;
        while (uri != null) {
            Response page = given().urlEncodingEnabled(false).get(uri);
            page.then().statusCode(200).contentType("application/json");
            List<String> ids = page.jsonPath().getList("id");
            pageSizes.add(ids.size());
            seen.addAll(ids);
            String link = page.header("Link");
            if (link == null) {
                uri = null;
            } else {
                Matcher next = NEXT.matcher(link);
                assertTrue(next.matches(), link);
                uri = next.group(1);
            }
        }
        return seen;
    }

    @Test
    void followingLinkVisitsEveryIdOnceInAscendingOrder() {
        List<String> all = given().get("/connections").then().statusCode(200).header("Link", nullValue())
                .extract().jsonPath().getList("id");
        assertEquals(all.stream().sorted().toList(), all, "the plain list is ordered by id");
        assertTrue(all.containsAll(IDS), "the plain list without parameters is still every connection");

        List<Integer> sizes = new ArrayList<>();
        assertEquals(all, walk("/connections?limit=4", sizes));
        assertTrue(sizes.stream().allMatch(s -> s <= 4) && sizes.size() == (all.size() + 3) / 4, sizes.toString());

        List<Integer> filtered = new ArrayList<>();
        assertEquals(IDS.stream().sorted().toList(), walk("/connections?q=page-&limit=5", filtered));
        assertEquals(List.of(5, 5, 5, 5, 3), filtered, "a full last page has no Link, a page is never empty");

        List<Integer> exact = new ArrayList<>();
        assertEquals(List.of("page-00", "page-01", "page-02", "page-03"),
                walk("/connections?q=page-0&limit=2&after=page-", exact).subList(0, 4));
        given().get("/connections?q=page-&limit=23").then().statusCode(200).header("Link", nullValue());
        given().get("/connections?q=page-&limit=22").then().statusCode(200)
                .header("Link", equalTo("</connections?q=page-&limit=22&after=page-21>; rel=\"next\""));
    }

    @Test
    void stateAndIdFiltersCombine() {
        assertEquals(OPENED, given().get("/connections?state=OPEN&q=page-").then().statusCode(200)
                .header("Link", nullValue()).extract().jsonPath().getList("id"));
        List<String> closed = given().get("/connections?state=closed,CONNECTING&q=page-").then().statusCode(200)
                .extract().jsonPath().getList("id");
        assertEquals(IDS.stream().filter(id -> !OPENED.contains(id)).sorted().toList(), closed);
        List<String> repeated = given().get("/connections?state=OPEN&state=CLOSED&q=page-1").then().statusCode(200)
                .extract().jsonPath().getList("id");
        assertEquals(List.of("page-10", "page-11", "page-12", "page-13", "page-14", "page-15", "page-16", "page-17",
                "page-18", "page-19"), repeated);
        Response first = given().get("/connections?state=OPEN&q=page-&limit=2");
        first.then().statusCode(200).body("id", equalTo(OPENED.subList(0, 2)))
                .header("Link", equalTo("</connections?state=OPEN&q=page-&limit=2&after=page-11>; rel=\"next\""));
        given().get("/connections?state=OPEN&q=page-&limit=2&after=page-11").then().statusCode(200)
                .body("id", equalTo(List.of("page-19"))).header("Link", nullValue());
        given().get("/connections?q=no-such-id").then().statusCode(200).body("size()", equalTo(0));
        given().get("/connections?q=page-2&after=page-22").then().statusCode(200).body("size()", equalTo(0));
        given().get("/connections?q=%20a%26b&limit=1").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void countsByStateMatchTheFilteredLists() {
        given().get("/connection-counts?q=page-").then().statusCode(200).body("total", equalTo(IDS.size()))
                .body("states.OPEN", equalTo(OPENED.size())).body("states.CLOSED", equalTo(IDS.size() - OPENED.size()))
                .body("states.FAILED", equalTo(0)).body("states.size()", equalTo(7));
        given().get("/connection-counts?q=page-1").then().statusCode(200).body("total", equalTo(10))
                .body("states.OPEN", equalTo(2));
        int all = given().get("/connections").jsonPath().getList("id").size();
        given().get("/connection-counts").then().statusCode(200).body("total", equalTo(all));
    }

    @Test
    void badValuesAnswer400ProblemsAndChangeNothing() {
        for (String query : List.of("state=SLEEPING", "state=OPEN,", "limit=0", "limit=1001", "limit=ten",
                "after=Not%20An%20Id")) {
            Response answer = given().get("/connections?" + query);
            assertEquals(400, answer.statusCode(), query);
            answer.then().contentType(ProblemMapper.PROBLEM_JSON)
                    .body("type", equalTo("https://longlink.dev/problems/invalid-query"))
                    .body("title", equalTo("Invalid query parameter"))
                    .body("detail", containsString(query.substring(0, query.indexOf('='))));
        }
        given().get("/connections?state=SLEEPING").then().body("detail", containsString("OPEN"));
        assertNull(given().get("/connections?q=page-").header("Link"));
        assertEquals(IDS.size(), given().get("/connections?q=page-").jsonPath().getList("id").size());
    }
}
