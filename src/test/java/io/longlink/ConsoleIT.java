package io.longlink;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.longlink.security.TestCredentials;
import io.longlink.testing.Api;
import io.longlink.testing.Browser;
import io.longlink.testing.JsonRpcProtocol;
import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;

/**
 * The operator console in a real headless Chromium driven by Playwright, against the packaged app and a real
 * upstream: the page lists the connections and follows a reconnect live (no reload), Open and Close work from the
 * buttons, a message sent from the box reaches the upstream and shows SENT, an inbound message appears in the
 * tail, a message is found by id; with auth on, a viewer key sees no Open or Close button. Screenshots at 1280×800
 * and 390×844 go to {@code target/console-screenshots}. With 250 more connections: counts per state, the filter by
 * state and id, pages by the {@code Link} header; the selected connection's rate chart and state timeline.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(UpstreamResource.class)
class ConsoleIT {

    private static final String ID = "console";
    private static final int MANY = 250;
    private static final Path SHOTS = Path.of("target", "console-screenshots");
    private static final String STATE = "tr[data-connection=\"console\"] td[data-label=\"State\"]";
    private static final String GENERATION = "tr[data-connection=\"console\"] td[data-label=\"Generation\"]";

    @Test
    void anOperatorSeesAndSteersAConnectionLive() throws Exception {
        UpstreamServer upstream = UpstreamResource.console();
        Api.close(ID);
        try (Browser browser = Browser.launch(1280, 800)) {
            browser.goTo("http://localhost:" + RestAssured.port + "/");
            browser.waitText(STATE, "CLOSED");
            browser.call("evaluate", Map.of("script", "window.longlinkMarker = 'same page'"));

            browser.click("button", "Open connection console");
            browser.waitText(STATE, "OPEN");
            // the generation the server has, once the page shows it too
            String generation = Long.toString(Api.status(ID).getLong("generation"));
            browser.waitText(GENERATION, generation);

            upstream.kill();
            browser.waitText("tr[data-connection=\"console\"]", "RECONNECTING");
            upstream.start();
            browser.waitText(GENERATION, Long.toString(Long.parseLong(generation.trim()) + 1));
            browser.waitText(STATE, "OPEN");
            assertEquals("same page", browser.call("evaluate", Map.of("script", "window.longlinkMarker")).asText(),
                    "the row followed the reconnect without a reload");

            browser.click("button", "Close connection console");
            browser.waitText(STATE, "CLOSED");
            browser.click("button", "Open connection console");
            browser.waitText(STATE, "OPEN");

            browser.click("button", "Show details of connection console");
            browser.fill("Message", "{\"from\":\"the console\"}");
            browser.check("JSON");
            browser.click("button", "Send message");
            browser.waitText("#send-result", "SENT");
            String messageId = browser.text("#send-result").replaceAll("Message (\\d+):.*", "$1").trim();
            await().atMost(Api.PATIENCE).until(() -> upstream.path("/console").texts()
                    .contains("{\"from\":\"the console\"}"));

            upstream.pushText("/console", "hello operator");
            browser.waitText("#tail", "hello operator");

            JsonRpcProtocol rpc = upstream.speakJsonRpc("/console");
            browser.fill("Request", "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":\"from the request box\"}");
            browser.click("button", "Send request");
            browser.waitText("#request-result", " ms");
            browser.waitText("#request-reply", "from the request box");
            assertEquals(1, rpc.requestIds.size(), "one request reached the upstream");

            browser.fill("Message id", messageId);
            browser.click("button", "Look up message");
            browser.waitText("#lookup-result", "SENT");
            browser.waitText("#detail-close", "1000 (normal closure)");

            browser.screenshot(SHOTS.resolve("console-1280x800.png"));
            browser.viewport(390, 844);
            browser.waitText(STATE, "OPEN");
            browser.screenshot(SHOTS.resolve("console-390x844.png"));
            assertTrue(browser.count("button", "Close connection console") == 1, "usable on a phone-sized screen");
        } finally {
            Api.close(ID);
        }
    }

    @Test
    void manyConnectionsAreCountedFilteredAndPagedAndTheSelectedOneShowsItsHistory() throws Exception {
        UpstreamServer upstream = UpstreamResource.console();
        String url = "ws://127.0.0.1:" + upstream.port() + "/many";
        // ids that sort after every configured one, so the other test still finds its row on the first page
        List<String> ids = IntStream.range(0, MANY).mapToObj(i -> "x-%03d".formatted(i)).toList();
        List<String> opened = List.of("x-007", "x-123", "x-201");
        try {
            for (String id : ids) {
                given().contentType("application/json").body("{\"url\": \"" + url + "\", \"auto-open\": false}")
                        .put("/connections/{id}", id).then().statusCode(201);
            }
            opened.forEach(Api::open);
            opened.forEach(id -> Api.awaitState(id, "OPEN"));
            try (Browser browser = Browser.launch(1280, 800)) {
                browser.goTo("http://localhost:" + RestAssured.port + "/");
                int total = given().get("/connection-counts").jsonPath().getInt("total");
                browser.waitText("#counts", total + " connections");
                assertTrue(rows(browser) <= 100, "one page, never the whole list");

                browser.fill("Id contains", "x-");
                browser.click("button", "Filter");
                browser.waitText("#counts", MANY + " connections matching");
                browser.waitText("#counts", "OPEN 3");
                browser.waitText("#counts", "CLOSED " + (MANY - 3));
                browser.waitText("#page-info", "Page 1 · 1–100");
                assertEquals(100, rows(browser));
                assertEquals("x-000", firstRow(browser));
                browser.click("button", "Next page");
                browser.waitText("#page-info", "Page 2 · 101–200");
                assertEquals("x-100", firstRow(browser));
                browser.click("button", "Next page");
                browser.waitText("#page-info", "Page 3 · 201–250");
                assertEquals(50, rows(browser));
                assertTrue(browser.evaluate("document.getElementById('page-next').disabled").asBoolean());
                browser.click("button", "Previous page");
                browser.waitText("#page-info", "Page 2 · 101–200");

                browser.click("button", "Show OPEN connections (3)");
                browser.waitText("#page-info", "Page 1 · 1–3");
                assertEquals(opened, List.of(browser.evaluate("[...document.querySelectorAll("
                        + "'#connections tbody tr')].map(tr => tr.dataset.connection).join(',')").asText().split(",")));
                browser.select("State", "");
                browser.fill("Id contains", "x-12");
                browser.click("button", "Filter");
                browser.waitText("#page-info", "Page 1 · 1–10");

                browser.click("button", "Show details of connection x-123");
                for (int flap = 0; flap < 3; flap++) {
                    Api.close("x-123");
                    Api.open("x-123");
                    Api.awaitState("x-123", "OPEN");
                }
                for (int i = 0; i < 40; i++) {
                    upstream.pushText("/many", "tick " + i);
                }
                browser.waitText("#timeline-summary", "state changes in the last 5 minutes");
                await().atMost(Api.PATIENCE).untilAsserted(() -> {
                    assertEquals(2, browser.evaluate("document.querySelectorAll('#rate-chart polyline').length")
                            .asInt(), "a line each for sent and received");
                    String chart = browser.evaluate("document.getElementById('rate-chart').getAttribute('aria-label')")
                            .asText();
                    Matcher peak = Pattern.compile("peak ([0-9.]+)/s").matcher(chart);
                    assertTrue(peak.find() && Double.parseDouble(peak.group(1)) >= 5, chart);
                    assertTrue(browser.evaluate("document.querySelectorAll('#timeline line.change').length").asInt()
                            >= 9, "three closes and opens: at least nine changes drawn");
                });
                assertTrue(browser.text("#timeline-summary").contains("CLOSED"), browser.text("#timeline-summary"));
                browser.screenshot(SHOTS.resolve("console-many-1280x800.png"));
            }
        } finally {
            ids.forEach(id -> given().delete("/connections/{id}?discard=true", id));
        }
    }

    private static int rows(Browser browser) throws Exception {
        return browser.evaluate("document.querySelectorAll('#connections tbody tr').length").asInt();
    }

    private static String firstRow(Browser browser) throws Exception {
        return browser.evaluate("document.querySelector('#connections tbody tr').dataset.connection").asText();
    }

    @Test
    void withAuthOnTheConsoleAsksForAKeyAndAViewerSeesNoOpenOrClose() throws Exception {
        String viewer = TestCredentials.apiKey("console-viewer");
        Map<String, String> config = new HashMap<>();
        config.put("longlink.auth.enabled", "true");
        config.put("longlink.store.path", UpstreamResource.freshStore().toString());
        config.put("longlink.auth.api-keys.watch.sha256", TestCredentials.sha256(viewer));
        config.put("longlink.auth.api-keys.watch.roles", "viewer");
        config.put("longlink.connections.quiet.url", "ws://127.0.0.1:9/quiet");
        config.put("longlink.connections.quiet.auto-open", "false");
        try (PackagedApp app = PackagedApp.start("console-auth", config);
                Browser browser = Browser.launch(1280, 800)) {
            browser.goTo(app.uri("/").toString());
            browser.waitText("#login", "API key needed");
            browser.fill("API key", "not-a-key");
            browser.click("button", "Use this API key");
            browser.waitText("#login-error", "not accepted");
            browser.fill("API key", viewer);
            browser.click("button", "Use this API key");
            browser.waitText("tr[data-connection=\"quiet\"] td[data-label=\"State\"]", "CLOSED");
            assertEquals(0, browser.count("button", "Close connection quiet"));
            assertEquals(0, browser.count("button", "Open connection quiet"));
            browser.click("button", "Show details of connection quiet");
            assertEquals(0, browser.count("button", "Send message"), "a viewer cannot send");
            assertTrue(!browser.text("body").contains(viewer), "the key is never rendered");
            browser.screenshot(SHOTS.resolve("console-viewer-1280x800.png"));
        }
    }
}
