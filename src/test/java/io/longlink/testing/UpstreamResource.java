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
    private static final String TOKEN_PORT = "upstream-test.token-port";
    private static final String TLS_PORT = "upstream-test.tls-port";
    private static final String MTLS_PORT = "upstream-test.mtls-port";
    /** The client credentials the token server knows; the secret must never be shown by longlink. */
    public static final String CLIENT_ID = "longlink-test";
    public static final String CLIENT_SECRET = "cs-9f8e7d-never-shown";

    private static Vertx vertx;
    private static UpstreamServer main;
    private static UpstreamServer flaky;
    private static UpstreamServer late;
    private static UpstreamServer console;

    /** Settings that replace the defaults of {@link #start()}. */
    private Map<String, String> overrides = Map.of();
    private static TokenServer tokens;
    private static UpstreamServer tls;
    private static UpstreamServer mtls;

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

    /** The OAuth2 token endpoint of connection {@code oauth}. */
    public static TokenServer tokens() {
        servers();
        return tokens;
    }

    /** A {@code wss://} upstream with a certificate of the test's own CA ({@link TestCertificates}). */
    public static UpstreamServer tls() {
        servers();
        return tls;
    }

    /** Like {@link #tls()}, and it requires a client certificate signed by that CA. */
    public static UpstreamServer mtls() {
        servers();
        return mtls;
    }

    private static synchronized void servers() {
        if (vertx == null) {
            ports();
            vertx = Vertx.vertx();
            main = new UpstreamServer(vertx, Integer.getInteger(MAIN_PORT)).start();
            flaky = new UpstreamServer(vertx, Integer.getInteger(FLAKY_PORT)).start();
            late = new UpstreamServer(vertx, Integer.getInteger(LATE_PORT));
            console = new UpstreamServer(vertx, Integer.getInteger(CONSOLE_PORT)).start();
            tokens = new TokenServer(vertx, Integer.getInteger(TOKEN_PORT), CLIENT_ID, CLIENT_SECRET).start();
            io.vertx.core.net.PfxOptions key = new io.vertx.core.net.PfxOptions()
                    .setPath(TestCertificates.serverP12().toString()).setPassword(TestCertificates.PASSWORD);
            tls = new UpstreamServer(vertx, "localhost", Integer.getInteger(TLS_PORT),
                    o -> o.setKeyCertOptions(key)).start();
            mtls = new UpstreamServer(vertx, "localhost", Integer.getInteger(MTLS_PORT),
                    o -> o.setKeyCertOptions(key).setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED)
                            .setTrustOptions(new io.vertx.core.net.PemTrustOptions()
                                    .addCertPath(TestCertificates.caPem().toString()))).start();
        }
    }

    private static synchronized void ports() {
        for (String key : new String[] { MAIN_PORT, FLAKY_PORT, LATE_PORT, CONSOLE_PORT, TOKEN_PORT, TLS_PORT,
                MTLS_PORT }) {
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
        credentials(config);
        config.putAll(overrides);
        return config;
    }

    /**
     * Issue 11's connections, all opened by hand: {@code oauth} (OAuth2 tokens from {@link #tokens()}, whose
     * secret is read from a file), {@code limited} (429 with Retry-After), {@code forbidden} (403), {@code picky}
     * (close code 1003 at once), {@code busy} (1013 at once, initial delay 1 s), and the {@code wss://} ones:
     * {@code tls-default} (no TLS configuration), {@code tls-trusted} (trusts the test CA), {@code mtls-nocert}
     * (trusts it but has no client certificate), {@code mtls} (trust and client certificate).
     */
    private static void credentials(Map<String, String> config) {
        String oauth = "longlink.connections.oauth.";
        connection(config, "oauth", url(MAIN_PORT, "/oauth"));
        config.put(oauth + "auto-open", "false");
        config.put(oauth + "auth.oauth2.token-url", "http://localhost:" + System.getProperty(TOKEN_PORT) + "/oauth/token");
        config.put(oauth + "auth.oauth2.client-id", CLIENT_ID);
        config.put(oauth + "auth.oauth2.client-secret", "{{file:" + secretFile() + "}}");
        config.put(oauth + "auth.oauth2.scope", "feed:read feed:write");
        config.put(oauth + "auth.oauth2.expiry-margin", "1s");
        for (String id : new String[] { "limited", "forbidden", "picky", "busy" }) {
            connection(config, id, url(MAIN_PORT, "/" + id));
            config.put("longlink.connections." + id + ".auto-open", "false");
        }
        config.put("longlink.connections.busy.reconnect.initial-delay", "1s");
        config.put("longlink.connections.busy.reconnect.max-delay", "1s");

        String ca = TestCertificates.caPem().toString();
        config.put("quarkus.tls.test-ca.trust-store.pem.certs", ca);
        config.put("quarkus.tls.test-client.trust-store.pem.certs", ca);
        config.put("quarkus.tls.test-client.key-store.p12.path", TestCertificates.clientP12().toString());
        config.put("quarkus.tls.test-client.key-store.p12.password", TestCertificates.PASSWORD);
        String tlsUrl = "wss://localhost:" + System.getProperty(TLS_PORT) + "/secure";
        String mtlsUrl = "wss://localhost:" + System.getProperty(MTLS_PORT) + "/secure";
        connection(config, "tls-default", tlsUrl);
        connection(config, "tls-trusted", tlsUrl);
        config.put("longlink.connections.tls-trusted.tls-configuration-name", "test-ca");
        connection(config, "mtls-nocert", mtlsUrl);
        config.put("longlink.connections.mtls-nocert.tls-configuration-name", "test-ca");
        connection(config, "mtls", mtlsUrl);
        config.put("longlink.connections.mtls.tls-configuration-name", "test-client");
        for (String id : new String[] { "tls-default", "tls-trusted", "mtls-nocert", "mtls" }) {
            config.put("longlink.connections." + id + ".auto-open", "false");
        }
    }

    /** The file holding connection {@code oauth}'s client secret. */
    public static synchronized Path secretFile() {
        String key = "upstream-test.secret-file";
        if (System.getProperty(key) == null) {
            Path file = freshStore().resolveSibling("client-secret");
            try {
                Files.writeString(file, CLIENT_SECRET + "\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            System.setProperty(key, file.toString());
        }
        return Path.of(System.getProperty(key));
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
        // below Linux's ephemeral range (32768-60999): a server the tests kill and restart on its port must not
        // find it taken by one of the many outgoing connections the app makes meanwhile
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int tries = 0; tries < 200; tries++) {
            int port = random.nextInt(LOW_PORT, HIGH_PORT);
            if (PORTS_GIVEN.add(port)) {
                try (ServerSocket socket = new ServerSocket(port)) {
                    return socket.getLocalPort();
                } catch (IOException e) {
                    // taken: try another
                }
            }
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where {@link #freePort()} looks first. */
    private static final int LOW_PORT = 20000;
    private static final int HIGH_PORT = 32000;
    /** Ports handed out in this JVM, never handed out twice. */
    private static final java.util.Set<Integer> PORTS_GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();
}
