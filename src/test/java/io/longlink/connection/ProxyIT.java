package io.longlink.connection;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.longlink.testing.Api;
import io.longlink.testing.NetworkNamespace;
import io.longlink.testing.PackagedApp;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;

/**
 * {@code proxy.url} for real (issue 11): the packaged app runs in its own network namespace whose only link leads
 * to this (root) namespace, where Debian's {@code tinyproxy} listens with basic credentials. The upstream listens on
 * the root namespace's loopback, which the app cannot reach directly (its {@code 127.0.0.1} is its own), so only
 * the proxy route works.
 *
 * <pre>
 *  root namespace (this JVM)                            namespace ll11-app (the app)
 *  upstream 127.0.0.1:P     tinyproxy 10.213.11.1:Q ── ll11-h ═══ veth ═══ ll11-a ── 10.213.11.2 (HTTP :8080)
 * </pre>
 *
 * Only 10.213.11.0/30 is used, on devices this test creates and deletes. Skipped unless root with iproute2 and
 * tinyproxy ({@code .ci/run} installs both).
 */
class ProxyIT {

    private static final String NAMESPACE = "ll11-app";
    private static final String PROXY_ADDRESS = "10.213.11.1";
    private static final String APP_ADDRESS = "10.213.11.2";
    private static final int APP_PORT = 8080;
    private static final String PROXY_PASSWORD = "pr0xy-pa55-never-shown";
    private static final Path WORK = Path.of("target", "proxy-it");

    private static NetworkNamespace namespace;
    private static Vertx vertx;
    private static UpstreamServer upstream;
    private static int proxyPort;
    private static Process proxy;
    private static Process app;
    private static String previousBaseUri;
    private static int previousPort;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(NetworkNamespace.available(), "needs root and iproute2 (ip netns, veth)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tinyproxy")), "needs tinyproxy (Debian tinyproxy-bin)");
        Files.createDirectories(WORK);
        namespace = new NetworkNamespace(NAMESPACE);
        namespace.veth("ll11-h", PROXY_ADDRESS + "/30", "ll11-a", APP_ADDRESS + "/30");
        vertx = Vertx.vertx();
        upstream = new UpstreamServer(vertx, "127.0.0.1", 0).start();
        proxyPort = UpstreamResource.freePort();
        startProxy();

        String url = "ws://127.0.0.1:" + upstream.port();
        String proxyUrl = "http://longlink:" + PROXY_PASSWORD + "@" + PROXY_ADDRESS + ":" + proxyPort;
        Map<String, String> properties = new LinkedHashMap<>(Map.of("quarkus.http.host", "0.0.0.0",
                "quarkus.http.port", Integer.toString(APP_PORT), "longlink.store.kind", "memory",
                "longlink.auth.enabled", "false"));
        for (String id : new String[] { "proxied", "direct" }) {
            String prefix = "longlink.connections." + id + ".";
            properties.put(prefix + "url", url + "/" + id);
            properties.put(prefix + "reconnect.initial-delay", "200ms");
            properties.put(prefix + "reconnect.max-delay", "400ms");
            properties.put(prefix + "reconnect.max-attempts", "-1");
            properties.put(prefix + "connect-timeout", "2s");
        }
        properties.put("longlink.connections.proxied.proxy.url", proxyUrl);
        List<String> command = PackagedApp.command(PackagedApp.Kind.built(), properties, List.of());
        app = namespace.exec(command).redirectErrorStream(true).redirectOutput(WORK.resolve("app.log").toFile())
                .start();
        previousBaseUri = RestAssured.baseURI;
        previousPort = RestAssured.port;
        RestAssured.baseURI = "http://" + APP_ADDRESS;
        RestAssured.port = APP_PORT;
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                .until(() -> given().get("/q/health/live").statusCode() == 200);
    }

    private static void startProxy() throws IOException {
        Path conf = WORK.resolve("tinyproxy.conf");
        Files.writeString(conf, String.join("\n",
                "User nobody", "Group nogroup",
                "Listen " + PROXY_ADDRESS, "Port " + proxyPort,
                "Timeout 60", "MaxClients 20", "LogLevel Info",
                "Allow 10.213.11.0/30",
                "BasicAuth longlink " + PROXY_PASSWORD, ""));
        proxy = new ProcessBuilder("/usr/bin/tinyproxy", "-d", "-c", conf.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve("tinyproxy.log")
                        .toFile()))
                .start();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (java.net.Socket s = new java.net.Socket(PROXY_ADDRESS, proxyPort)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static void stopProxy() throws InterruptedException {
        if (proxy != null) {
            proxy.destroyForcibly();
            proxy.waitFor(10, TimeUnit.SECONDS);
            proxy = null;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (app != null) {
                app.destroy();
                if (!app.waitFor(15, TimeUnit.SECONDS)) {
                    app.destroyForcibly();
                }
            }
            stopProxy();
            if (vertx != null) {
                RestAssured.baseURI = previousBaseUri;
                RestAssured.port = previousPort;
                upstream.kill();
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } finally {
            if (namespace != null) {
                namespace.close();
            }
        }
    }

    @Test
    void onlyTheProxyRouteReachesTheUpstreamItsDeathIsReconnectingAndItsPasswordIsNeverShown() throws Exception {
        Api.awaitState("proxied", "OPEN");
        assertEquals("http://***@" + PROXY_ADDRESS + ":" + proxyPort, Api.status("proxied").getString("proxy"));
        await().atMost(Api.PATIENCE).until(() -> Api.status("direct").getInt("attempt") >= 2);
        assertFalse("OPEN".equals(Api.state("direct")), "the direct route must not work");
        assertTrue(upstream.path("/direct").handshakes.isEmpty());
        assertFalse(upstream.path("/proxied").handshakes.isEmpty());

        Api.send("proxied", "through the tunnel");
        await().atMost(Api.PATIENCE).until(() -> upstream.path("/proxied").texts().contains("through the tunnel"));

        stopProxy();
        await().atMost(Api.PATIENCE).until(() -> "RECONNECTING".equals(Api.state("proxied")));
        // the socket's own loss may read "connection reset" (the proxy died under it); the attempts after it,
        // against a proxy that is gone, are refused
        await().atMost(Api.PATIENCE).untilAsserted(() -> {
            String lastError = Api.status("proxied").getString("lastError");
            assertTrue(lastError.contains("refused"), lastError);
        });

        startProxy();
        Api.awaitState("proxied", "OPEN");

        for (String path : new String[] { "/connections", "/connections/proxied", "/q/metrics" }) {
            given().get(path).then().body(not(containsString(PROXY_PASSWORD)));
        }
        String log = Files.readString(WORK.resolve("app.log"));
        assertFalse(log.contains(PROXY_PASSWORD), "the proxy password is in the log");
    }
}
