package io.longlink.testing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.restassured.path.json.JsonPath;

/** The HTTP calls tests make again and again, through REST Assured. */
public final class Api {

    /** How long a test waits for something that should happen well within a second or two. */
    public static final Duration PATIENCE = Duration.ofSeconds(20);

    static {
        // every test that talks to the app expects its upstreams to be listening
        UpstreamResource.main();
    }

    private Api() {
    }

    public static JsonPath status(String id) {
        return given().get("/connections/{id}", id).then().statusCode(200).extract().jsonPath();
    }

    public static String state(String id) {
        return status(id).getString("state");
    }

    public static void awaitState(String id, String state) {
        await().atMost(PATIENCE).until(() -> state.equals(state(id)));
    }

    public static JsonPath open(String id) {
        return given().post("/connections/{id}/open", id).then().statusCode(200).extract().jsonPath();
    }

    public static JsonPath close(String id) {
        return given().post("/connections/{id}/close", id).then().statusCode(200).extract().jsonPath();
    }

    /** Enqueues a text message and returns its id. */
    public static String send(String id, String text) {
        return given().contentType("text/plain").body(text)
                .post("/connections/{id}/messages", id)
                .then().statusCode(202).extract().jsonPath().getString("id");
    }
}
