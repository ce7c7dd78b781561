package io.longlink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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
 * and 390×844 go to {@code target/console-screenshots}.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(UpstreamResource.class)
class ConsoleIT {

    private static final String ID = "console";
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
