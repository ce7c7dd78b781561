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
 * <li>{@link #main()}: always up; paths {@code /alpha}, {@code /beta}, {@code /frozen}, {@code /tiny},
 * {@code /manual}, {@code /secret}, {@code /vault} (outbox of 5, opened by hand).</li>
 * <li>{@link #flaky()}: killed and restarted by tests; path {@code /volatile}.</li>
 * <li>{@link #late()}: not started at first; path {@code /doomed} fails until a test starts it.</li>
 * </ul>
 *
 * <p>Every application started with this resource gets a fresh SQLite store under {@code target/test-stores},
 * so tests run on the production default store and never see messages of an earlier run.
 */
public class UpstreamResource implements QuarkusTestResourceLifecycleManager {

    private static Vertx vertx;
    private static UpstreamServer main;
    private static UpstreamServer flaky;
    private static UpstreamServer late;

    public static UpstreamServer main() {
        return main;
    }

    public static UpstreamServer flaky() {
        return flaky;
    }

    public static UpstreamServer late() {
        return late;
    }

    @Override
    public synchronized Map<String, String> start() {
        if (vertx == null) {
            vertx = Vertx.vertx();
            main = new UpstreamServer(vertx, freePort()).start();
            flaky = new UpstreamServer(vertx, freePort()).start();
            late = new UpstreamServer(vertx, freePort());
        }
        Map<String, String> config = new HashMap<>();
        config.put("longlink.store.path", freshStore().toString());
        connection(config, "alpha", main.url("/alpha"));
        connection(config, "beta", main.url("/beta"));

        connection(config, "frozen", main.url("/frozen"));
        config.put("longlink.connections.frozen.heartbeat.interval", "200ms");
        config.put("longlink.connections.frozen.heartbeat.timeout", "400ms");
        config.put("longlink.connections.frozen.close-timeout", "1s");

        connection(config, "tiny", main.url("/tiny"));
        config.put("longlink.connections.tiny.auto-open", "false");
        config.put("longlink.connections.tiny.outbox.capacity", "3");
        config.put("longlink.connections.tiny.outbox.max-message-size", "16");
        config.put("longlink.connections.tiny.inbound.retain", "5");

        connection(config, "manual", main.url("/manual"));
        config.put("longlink.connections.manual.auto-open", "false");

        connection(config, "secret", main.url("/secret").replace("ws://", "ws://user:hunter2@")
                + "?token=s3cr3t&room=lobby");
        config.put("longlink.connections.secret.headers.Authorization", "Bearer abc123");
        config.put("longlink.connections.secret.subprotocols", "chat.v2,chat.v1");

        connection(config, "volatile", flaky.url("/volatile"));
        config.put("longlink.connections.volatile.reconnect.max-attempts", "-1");

        connection(config, "doomed", late.url("/doomed"));
        config.put("longlink.connections.doomed.auto-open", "false");
        config.put("longlink.connections.doomed.reconnect.max-attempts", "3");
        config.put("longlink.connections.doomed.reconnect.jitter", "0");

        connection(config, "vault", main.url("/vault"));
        config.put("longlink.connections.vault.auto-open", "false");
        config.put("longlink.connections.vault.outbox.capacity", "5");
        return config;
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
        config.put(prefix + "reconnect.max-attempts", "50");
        config.put(prefix + "heartbeat.interval", "500ms");
        config.put(prefix + "heartbeat.timeout", "2s");
        config.put(prefix + "connect-timeout", "2s");
    }

    @Override
    public synchronized void stop() {
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
