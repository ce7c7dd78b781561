package io.longlink.health;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.isOneOf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.Api;
import io.longlink.testing.UpstreamResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Liveness, readiness and startup as DESIGN.md "Operations" defines them. */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class HealthTest {

    private static final String MANUAL = "manual";

    @AfterEach
    void leaveManualAsFound() {
        UpstreamResource.main().rejectHandshakes("/" + MANUAL, 0);
        Api.close(MANUAL);
    }

    @Test
    void liveStartedAndReadyWithEveryConnectionListed() {
        given().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
        given().get("/q/health/started").then().statusCode(200).body("status", is("UP"))
                .body("checks.name", hasItem("longlink-started"));
        given().get("/q/health/ready").then().statusCode(200).body("status", is("UP"))
                .body("checks.find { it.name == 'outbox-store' }.status", is("UP"))
                .body("checks.find { it.name == 'intake' }.data.accepting", is(true))
                .body("checks.find { it.name == 'connections' }.data", hasKey("alpha"))
                .body("checks.find { it.name == 'connections' }.data", hasKey(MANUAL))
                .body("checks.find { it.name == 'connections' }.data", hasKey("doomed"));
    }

    @Test
    void readinessShowsEachConnectionState() {
        Api.open(MANUAL);
        Api.awaitState(MANUAL, "OPEN");
        await().atMost(Api.PATIENCE).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'connections' }.data.manual", is("OPEN")));
        Api.close(MANUAL);
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'connections' }.data.manual", is("CLOSED"));
    }

    @Test
    void anUpstreamThatIsDownDoesNotMakeThePodUnready() {
        UpstreamResource.main().rejectHandshakes("/" + MANUAL, 503);
        Api.open(MANUAL);
        await().atMost(Api.PATIENCE).until(() -> Api.status(MANUAL).getInt("attempt") >= 2);
        given().get("/q/health/ready").then().statusCode(200).body("status", is("UP"))
                .body("checks.find { it.name == 'connections' }.data.manual",
                        isOneOf("CONNECTING", "RECONNECTING", "FAILED"));
        given().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
    }

    // a store that cannot be written makes the pod unready: DurabilityIT proves it on the packaged app with a
    // store file that cannot be created
}
