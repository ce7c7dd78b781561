package io.longlink;

import static io.longlink.testing.Api.PATIENCE;
import static io.longlink.testing.Api.awaitState;
import static io.longlink.testing.Api.close;
import static io.longlink.testing.Api.open;
import static io.longlink.testing.Api.send;
import static io.longlink.testing.Api.status;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.longlink.testing.FeedProtocol;
import io.longlink.testing.SseClient;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Sessions against a real upstream that demands a login and a subscribe before it pushes anything and drops a
 * socket that sends anything else first ({@link FeedProtocol}): connection {@code feed} logs in with a token read
 * from a file at every attempt, resumes after the last offset it saw, and pings with a text heartbeat.
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class SessionsTest {

    private static final String ID = "feed";
    private static final String PATH = "/feed";

    private UpstreamServer upstream;
    private FeedProtocol feed;

    @BeforeEach
    void speak() throws Exception {
        upstream = UpstreamResource.flaky();
        upstream.start();
        feed = upstream.speakFeedProtocol(PATH);
        feed.expectedToken = null;
        feed.answerTextPings = true;
        Files.writeString(UpstreamResource.tokenFile(), "t0\n");
    }

    @AfterEach
    void leaveClosed() {
        upstream.start();
        feed.expectedToken = null;
        feed.answerTextPings = true;
        open(ID);
        awaitState(ID, "OPEN");
        await().atMost(PATIENCE).until(() -> status(ID).getInt("queued") == 0);
        close(ID);
    }

    private void awaitSubscribedSocket(long generationAbove) {
        await().atMost(PATIENCE).until(() -> "OPEN".equals(status(ID).getString("state"))
                && status(ID).getLong("generation") > generationAbove && feed.subscribedSockets() == 1);
    }

    @Test
    void loginAndSubscribeComeFirstOnEverySocketAndNoMessageBeforeThem() {
        int loginsBefore = feed.logins.size();
        open(ID);
        awaitSubscribedSocket(0);
        long generation = status(ID).getLong("generation");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("m-" + i);
            send(ID, "m-" + i);
            if (i == 6) {
                upstream.kill();
                upstream.start();
            }
            if (i == 13) {
                // a peer that answers protocol pings but not text pings is dead for a text heartbeat
                feed.answerTextPings = false;
                await().atMost(PATIENCE).until(() -> status(ID).getString("lastError") != null
                        && status(ID).getString("lastError").startsWith("heartbeat: no pong"));
                feed.answerTextPings = true;
            }
        }
        awaitSubscribedSocket(generation + 1);
        await().atMost(PATIENCE).until(() -> feed.data.containsAll(expected));
        assertTrue(feed.violations.isEmpty(), "nothing before login and subscribe: " + feed.violations);
        assertTrue(feed.logins.size() - loginsBefore >= 3, "every socket logged in again");
        List<String> inOrder = feed.data.stream().filter(expected::contains).distinct().toList();
        assertEquals(expected, inOrder);
        JsonPath inbound = given().get("/connections/{id}/inbound?after=0&limit=1000", ID).then().statusCode(200)
                .extract().jsonPath();
        assertTrue(inbound.getList("messages.data", String.class).stream().noneMatch("pong"::equals),
                "matched pongs stay out of the inbound log");
    }

    @Test
    void aLoginTheUpstreamNeverAnswersFailsTheAttemptNamingTheStepThenBacksOff() {
        feed.expectedToken = "something else";
        open(ID);
        await().atMost(PATIENCE).until(() -> status(ID).getInt("attempt") >= 2);
        JsonPath failing = status(ID);
        assertEquals("on-open[0]: no message matching json:/event=login within 1s", failing.getString("lastError"));
        assertEquals(0, feed.subscribedSockets());
        feed.expectedToken = "t0";
        awaitSubscribedSocket(0);
        assertEquals(0, status(ID).getInt("attempt"));
    }

    @Test
    void aRotatedTokenFileReachesTheNextSocketInTheHeaderAndTheLogin() throws Exception {
        open(ID);
        awaitSubscribedSocket(0);
        long generation = status(ID).getLong("generation");
        List<java.util.Map<String, String>> handshakes = upstream.path(PATH).handshakes;
        assertEquals("Bearer t0", handshakes.get(handshakes.size() - 1).get("authorization"));
        assertEquals("t0", feed.logins.get(feed.logins.size() - 1).getString("token"));

        Files.writeString(UpstreamResource.tokenFile(), "t1\n");
        feed.expectedToken = "t1";
        upstream.closeSockets(PATH, (short) 1012, "restart");
        awaitSubscribedSocket(generation);
        assertEquals("Bearer t1", handshakes.get(handshakes.size() - 1).get("authorization"));
        assertEquals("t1", feed.logins.get(feed.logins.size() - 1).getString("token"));
    }

    @Test
    void theResumeMessageCarriesTheLastOffsetSeen() {
        open(ID);
        awaitSubscribedSocket(0);
        long generation = status(ID).getLong("generation");
        long base = System.currentTimeMillis();
        for (int i = 1; i <= 5; i++) {
            feed.push(base + i, "tick-" + i);
        }
        await().atMost(PATIENCE).until(() -> given().get("/connections/{id}/inbound?after=0&limit=1000", ID)
                .then().extract().asString().contains("tick-5"));
        upstream.closeSockets(PATH, (short) 1012, "restart");
        awaitSubscribedSocket(generation);
        var subscribe = feed.subscriptions.get(feed.subscriptions.size() - 1);
        assertEquals(Long.toString(base + 5), subscribe.getString("after"));
        assertEquals(generation + 1, subscribe.getLong("gen"));
    }

    @Test
    void eventsShowEveryStateChangeWithReasonsAndResumeWithoutGaps() throws Exception {
        List<SseClient.Event> seen;
        String lastId;
        try (SseClient events = SseClient.open("/connections/" + ID + "/events", null)) {
            open(ID);
            awaitSubscribedSocket(0);
            long generation = status(ID).getLong("generation");
            upstream.kill();
            upstream.start();
            awaitSubscribedSocket(generation);
            await().atMost(PATIENCE).until(() -> states(events.events).size() >= 4
                    && "OPEN".equals(states(events.events).get(states(events.events).size() - 1)));
            seen = List.copyOf(events.events);
            lastId = seen.get(seen.size() - 1).id();
        }
        List<String> states = states(seen);
        assertEquals(List.of("CONNECTING", "OPEN"), states.subList(0, 2));
        assertEquals("OPEN", states.get(states.size() - 1));
        assertTrue(states.subList(2, states.size()).contains("CONNECTING"), states.toString());
        assertTrue(seen.stream().allMatch(e -> "state".equals(e.name())));
        JsonPath lost = new JsonPath(seen.get(2).data());
        assertEquals("OPEN", lost.getString("previous"));
        assertTrue(lost.getString("reason").startsWith("socket lost: "), lost.getString("reason"));
        assertEquals(ID, lost.getString("connection"));
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(Long.parseLong(seen.get(i).id()) > Long.parseLong(seen.get(i - 1).id()));
        }

        // resume: exactly what came after the last event seen, nothing missed, nothing repeated
        close(ID);
        try (SseClient resumed = SseClient.open("/connections/" + ID + "/events", lastId);
                SseClient everything = SseClient.open("/connections/" + ID + "/events", "0");
                SseClient all = SseClient.open("/events", lastId)) {
            await().atMost(PATIENCE).until(() -> states(resumed.events).contains("CLOSED")
                    && states(everything.events).contains("CLOSED"));
            assertEquals(List.of("CLOSING", "CLOSED"), states(resumed.events).subList(0, 2));
            // seqs are instance-wide: other connections' events lie between; this connection's must all be there
            List<String> after = everything.events.stream().map(SseClient.Event::id)
                    .filter(id -> Long.parseLong(id) > Long.parseLong(lastId)).toList();
            assertEquals(after.subList(0, 2), resumed.events.stream().map(SseClient.Event::id).toList().subList(0, 2));
            await().atMost(PATIENCE).until(() -> !all.events.isEmpty());
            assertTrue(Long.parseLong(all.events.get(0).id()) > Long.parseLong(lastId));
        }
    }

    private static List<String> states(List<SseClient.Event> events) {
        return events.stream().map(e -> new JsonPath(e.data()).getString("state")).toList();
    }
}
