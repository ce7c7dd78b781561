package io.longlink;

import static io.longlink.testing.Api.PATIENCE;
import static io.longlink.testing.Api.awaitState;
import static io.longlink.testing.Api.close;
import static io.longlink.testing.Api.open;
import static io.longlink.testing.Api.status;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.longlink.testing.UpstreamResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/** Behaviour 6 of the core issue: inbound frames kept with sequence numbers, read by cursor or streamed. */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class InboundTest {

    private static long lastSeq(String id) {
        long after = 0;
        while (true) {
            JsonPath page = given().queryParam("after", after).queryParam("limit", 1000)
                    .get("/connections/{id}/inbound", id).jsonPath();
            long next = page.getLong("next");
            if (next == after) {
                return after;
            }
            after = next;
        }
    }

    @Test
    void pushedFramesAreReadableByCursorInOrderWithBinaryAsBase64() {
        awaitState("beta", "OPEN");
        long start = lastSeq("beta");
        long receivedBefore = status("beta").getLong("received");
        for (int i = 0; i < 5; i++) {
            UpstreamResource.main().pushText("/beta", "push-" + i);
        }
        byte[] bytes = { 1, 2, 3, (byte) 200 };
        UpstreamResource.main().pushBinary("/beta", bytes);
        await().atMost(PATIENCE).until(() -> lastSeq("beta") >= start + 6);

        JsonPath first = given().queryParam("after", start).queryParam("limit", 2)
                .get("/connections/beta/inbound").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("push-0", "push-1"), first.getList("messages.data"));
        assertEquals(List.of(start + 1, start + 2), first.getList("messages.seq", Long.class));
        assertEquals(start + 2, first.getLong("next"));
        assertEquals("text", first.getString("messages[0].type"));
        assertTrue(first.getString("messages[0].receivedAt") != null);

        JsonPath rest = given().queryParam("after", first.getLong("next"))
                .get("/connections/beta/inbound").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("push-2", "push-3", "push-4"), rest.getList("messages.data").subList(0, 3));
        assertEquals("binary", rest.getString("messages[3].type"));
        assertArrayEquals(bytes, Base64.getDecoder().decode(rest.getString("messages[3].data")));
        assertEquals(start + 6, rest.getLong("next"));

        JsonPath empty = given().queryParam("after", start + 6).get("/connections/beta/inbound").jsonPath();
        assertEquals(0, empty.getList("messages").size());
        assertEquals(start + 6, empty.getLong("next"));
        assertEquals(receivedBefore + 6, status("beta").getLong("received"));
    }

    @Test
    void onlyTheLastRetainedMessagesAreKept() {
        open("tiny");
        awaitState("tiny", "OPEN");
        long start = lastSeq("tiny");
        for (int i = 0; i < 8; i++) {
            UpstreamResource.main().pushText("/tiny", "r-" + i);
        }
        await().atMost(PATIENCE).until(() -> lastSeq("tiny") >= start + 8);
        JsonPath page = given().get("/connections/tiny/inbound").jsonPath();
        assertEquals(List.of("r-3", "r-4", "r-5", "r-6", "r-7"), page.getList("messages.data"));
        assertEquals(start + 8, page.getLong("next"));
        close("tiny");
    }

    @Test
    void streamSendsOneEventPerMessageAndResumesAfterLastEventId() throws Exception {
        awaitState("alpha", "OPEN");
        long start = lastSeq("alpha");
        UpstreamResource.main().pushText("/alpha", "before-stream");
        await().atMost(PATIENCE).until(() -> lastSeq("alpha") >= start + 1);

        List<String> lines = new CopyOnWriteArrayList<>();
        int port = RestAssured.port;
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/connections/alpha/inbound/stream"))
                .header("Accept", "text/event-stream")
                .header("Last-Event-ID", Long.toString(start))
                .build();
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(request,
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (Exception e) {
                // the stream ends when the test closes it
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            UpstreamResource.main().pushText("/alpha", "live-1");
            UpstreamResource.main().pushText("/alpha", "live-2");
            await().atMost(PATIENCE).until(() -> lines.stream().filter(l -> l.startsWith("id:")).count() >= 3);
            List<String> ids = new ArrayList<>();
            List<String> data = new ArrayList<>();
            for (String line : lines) {
                if (line.startsWith("id:")) {
                    ids.add(line.substring(3).trim());
                } else if (line.startsWith("data:")) {
                    data.add(line.substring(5).trim());
                }
            }
            assertEquals(List.of(Long.toString(start + 1), Long.toString(start + 2), Long.toString(start + 3)),
                    ids.subList(0, 3));
            assertTrue(data.get(0).contains("\"before-stream\""), data.get(0));
            assertTrue(data.get(1).contains("\"live-1\""), data.get(1));
            assertTrue(data.get(2).contains("\"live-2\"") && data.get(2).contains("\"seq\":" + (start + 3)),
                    data.get(2));
        } finally {
            response.body().close();
        }
    }
}
