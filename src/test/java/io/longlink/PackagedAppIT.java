package io.longlink;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;

import org.junit.jupiter.api.Test;

import io.longlink.testing.Api;
import io.longlink.testing.UpstreamResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The packaged application (JVM jar here, the native binary with {@code -Dnative}) in the prod profile: health,
 * metrics, OpenAPI and the open, send, close loop, against the same real upstreams as the {@code *Test} classes.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(UpstreamResource.class)
class PackagedAppIT {

    private static final String MANUAL = "manual";

    @Test
    void healthEndpointsAnswer() {
        given().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
        given().get("/q/health/started").then().statusCode(200).body("status", is("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", is("UP"))
                .body("checks.name", hasItem("connections"));
    }

    @Test
    void openSendCloseWithMetricsAndContract() {
        Api.open(MANUAL);
        Api.awaitState(MANUAL, "OPEN");
        Api.send(MANUAL, "from the packaged app");
        await().atMost(Api.PATIENCE).until(() -> UpstreamResource.main().path("/" + MANUAL).texts()
                .contains("from the packaged app"));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("longlink_messages_sent_total{connection=\"manual\"}"))
                .body(containsString("longlink_connection_state{connection=\"manual\",state=\"OPEN\"} 1.0"));
        Api.close(MANUAL);
        Api.awaitState(MANUAL, "CLOSED");
        await().atMost(Api.PATIENCE).until(() -> UpstreamResource.main().path("/" + MANUAL).closeCodes.contains(1000));
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths.'/connections/{id}/messages'.post.responses.'503'", notNullValue());
    }
}
