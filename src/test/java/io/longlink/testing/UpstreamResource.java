package io.longlink.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

/**
 * Starts the real upstream servers the tests talk to and configures one longlink connection per test
 * scenario, each with timings short enough for tests. The same resource serves the {@code *Test} classes and
 * the packaged-app {@code *IT} classes.
 *
 * <ul>
 * <li>{@link #main()}: up once a test touches it; paths {@code /alpha}, {@code /beta}, {@code /frozen}, {@code /tiny},
 * {@code /manual}, {@code /secret}, {@code /vault} (outbox of 5, opened by hand).</li>
 * <li>{@link #flaky()}: killed and restarted by tests; paths {@code /volatile} and {@code /feed} (a
 * login-and-subscribe upstream, {@link FeedProtocol}, for the on-open steps, templates and the text heartbeat).</li>
 * <li>{@link #late()}: not started at first; path {@code /doomed} fails until a test starts it.</li>
 * <li>no server: connection {@code unresolvable} points at a name that never resolves ({@code .invalid}).</li>
 * </ul>
 *
 * <p>Every application started with this resource gets a fresh SQLite store under {@code target/test-stores},
 * so tests run on the production default store and never see messages of an earlier run. Authentication is off
 * (the packaged {@code *IT} apps run the prod profile, where it is on); init arguments (a test profile's
 * {@code TestResourceEntry}) override any of these settings, which is how the auth tests turn it on.
 */
public class UpstreamResource implements QuarkusTestResourceLifecycleManager {

    // Quarkus may run this resource and the tests in different class loaders, so the servers cannot be
    // shared through static fields set in start(): start() only picks the ports (kept in system properties,
    // which every class loader sees) and the test side starts the servers on first use.
    private static final String MAIN_PORT = "upstream-test.main-port";
    private static final String FLAKY_PORT = "upstream-test.flaky-port";
    private static final String LATE_PORT = "upstream-test.late-port";
    private static final String CONSOLE_PORT = "upstream-test.console-port";

    private static Vertx vertx;
    private static UpstreamServer main;
    private static UpstreamServer flaky;
    private static UpstreamServer late;
    private static UpstreamServer console;

    /** Settings that replace the defaults of {@link #start()}. */
    private Map<String, String> overrides = Map.of();

    public static UpstreamServer main() {
        servers();
        return main;
    }

    public static UpstreamServer flaky() {
        servers();
        return flaky;
    }

    public static UpstreamServer late() {
        servers();
        return late;
    }

    /** The console test's own upstream (path {@code /console}), killed and restarted by it. */
    public static UpstreamServer console() {
        servers();
        return console;
    }

    private static synchronized void servers() {
        if (vertx == null) {
            ports();
            vertx = Vertx.vertx();
            main = new UpstreamServer(vertx, Integer.getInteger(MAIN_PORT)).start();
            flaky = new UpstreamServer(vertx, Integer.getInteger(FLAKY_PORT)).start();
            late = new UpstreamServer(vertx, Integer.getInteger(LATE_PORT));
            console = new UpstreamServer(vertx, Integer.getInteger(CONSOLE_PORT)).start();
        }
    }

    private static synchronized void ports() {
        for (String key : new String[] { MAIN_PORT, FLAKY_PORT, LATE_PORT, CONSOLE_PORT }) {
            if (System.getProperty(key) == null) {
                System.setProperty(key, Integer.toString(freePort()));
            }
        }
    }

    private static String url(String portKey, String path) {
        return "ws://localhost:" + System.getProperty(portKey) + path;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        overrides = Map.copyOf(initArgs);
    }

    @Override
    public Map<String, String> start() {
        ports();
        Map<String, String> config = new HashMap<>();
        config.put("longlink.store.path", freshStore().toString());
        config.put("longlink.auth.enabled", "false");
        // runtime connections of the tests reach the test upstreams by this address; everything private else is refused
        config.put("longlink.upstreams.allowed-hosts", "127.0.0.1");
        connection(config, "alpha", url(MAIN_PORT, "/alpha"));
        connection(config, "beta", url(MAIN_PORT, "/beta"));

        connection(config, "frozen", url(MAIN_PORT, "/frozen"));
        config.put("longlink.connections.frozen.heartbeat.interval", "200ms");
        config.put("longlink.connections.frozen.heartbeat.timeout", "400ms");
        config.put("longlink.connections.frozen.close-timeout", "1s");

        connection(config, "tiny", url(MAIN_PORT, "/tiny"));
        config.put("longlink.connections.tiny.auto-open", "false");
        config.put("longlink.connections.tiny.outbox.capacity", "3");
        config.put("longlink.connections.tiny.outbox.max-message-size", "16");
        config.put("longlink.connections.tiny.inbound.retain", "5");

        connection(config, "manual", url(MAIN_PORT, "/manual"));
        config.put("longlink.connections.manual.auto-open", "false");

        connection(config, "secret", url(MAIN_PORT, "/secret").replace("ws://", "ws://user:hunter2@")
                + "?token=s3cr3t&room=lobby");
        config.put("longlink.connections.secret.headers.Authorization", "Bearer abc123");
        config.put("longlink.connections.secret.subprotocols", "chat.v2,chat.v1");

        connection(config, "volatile", url(FLAKY_PORT, "/volatile"));
        config.put("longlink.connections.volatile.reconnect.max-attempts", "-1");

        connection(config, "doomed", url(LATE_PORT, "/doomed"));
        config.put("longlink.connections.doomed.auto-open", "false");
        config.put("longlink.connections.doomed.reconnect.max-attempts", "3");
        config.put("longlink.connections.doomed.reconnect.jitter", "0");

        connection(config, "unresolvable", "ws://upstream.longlink.invalid:9/feed");
        config.put("longlink.connections.unresolvable.auto-open", "false");

        connection(config, "feed", url(FLAKY_PORT, "/feed"));
        String feed = "longlink.connections.feed.";
        String token = "{{file:" + tokenFile() + "}}";
        config.put(feed + "auto-open", "false");
        config.put(feed + "headers.Authorization", "Bearer " + token);
        config.put(feed + "on-open[0].text", "{\"op\":\"login\",\"token\":\"" + token + "\"}");
        config.put(feed + "on-open[0].expect", "json:/event=login");
        config.put(feed + "on-open[0].timeout", "1s");
        config.put(feed + "on-open[1].text",
                "{\"op\":\"subscribe\",\"channel\":\"trades\",\"after\":\"{{inbound:/offset}}\",\"gen\":{{generation}}}");
        config.put(feed + "on-open[1].expect", "json:/event=subscribed");
        config.put(feed + "heartbeat.mode", "text");
        config.put(feed + "heartbeat.text", "ping");
        config.put(feed + "heartbeat.expect", "text:pong");
        config.put(feed + "heartbeat.interval", "300ms");
        config.put(feed + "heartbeat.timeout", "600ms");

        connection(config, "console", url(CONSOLE_PORT, "/console"));
        config.put("longlink.connections.console.auto-open", "false");

        connection(config, "vault", url(MAIN_PORT, "/vault"));
        config.put("longlink.connections.vault.auto-open", "false");
        config.put("longlink.connections.vault.outbox.capacity", "5");
        config.putAll(overrides);
        return config;
    }

    /** The token file the {@code feed} connection reads at every attempt; tests rewrite it. */
    public static synchronized Path tokenFile() {
        String key = "upstream-test.token-file";
        if (System.getProperty(key) == null) {
            Path file = freshStore().resolveSibling("feed-token");
            try {
                Files.writeString(file, "t0\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            System.setProperty(key, file.toString());
        }
        return Path.of(System.getProperty(key));
    }

    /** A store file in a new directory under {@code target/test-stores}. */
    public static Path freshStore() {
        try {
            Path stores = Files.createDirectories(Path.of("target", "test-stores"));
            return Files.createTempDirectory(stores, "app-").resolve("longlink.db").toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Configures connection {@code id} to {@code url} with timings short enough for tests. */
    public static void connection(Map<String, String> config, String id, String url) {
        String prefix = "longlink.connections." + id + ".";
        config.put(prefix + "url", url);
        config.put(prefix + "reconnect.initial-delay", "100ms");
        config.put(prefix + "reconnect.max-delay", "400ms");
        // the app may start before the first test starts the servers: keep retrying until then
        config.put(prefix + "reconnect.max-attempts", "-1");
        config.put(prefix + "heartbeat.interval", "500ms");
        config.put(prefix + "heartbeat.timeout", "2s");
        config.put(prefix + "connect-timeout", "2s");
    }

    @Override
    public void stop() {
        // the servers live as long as the test JVM: several test classes share them
    }

    /** A TCP port nobody listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
