package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.longlink.config.ConnectionSettings;
import io.longlink.config.LonglinkConfig;
import io.longlink.testing.UpstreamResource;
import io.longlink.testing.UpstreamServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;

/**
 * A runtime connection dials the very address its upstream check resolved (issue 24): through a resolver seam, a
 * name answers a public-looking address when checked and 127.0.0.1 afterwards (DNS rebinding), and the real
 * WebSockets Next client never reaches the loopback upstream. A pinned connect keeps the URL's host name for the
 * {@code Host} header and, over TLS, for SNI and the certificate check.
 */
@QuarkusTest
@QuarkusTestResource(UpstreamResource.class)
class PinnedUpstreamTest {

    @Inject
    Vertx vertx;

    /** Answers {@code first} to the first lookup and {@code then} to every later one, counting them. */
    private static final class Rebinding implements UpstreamPolicy.Resolver {
        final List<String> lookups = new ArrayList<>();
        private final String first;
        private final String then;

        Rebinding(String first, String then) {
            this.first = first;
            this.then = then;
        }

        @Override
        public synchronized InetAddress[] resolve(String host) throws UnknownHostException {
            lookups.add(host);
            return new InetAddress[] { InetAddress.getByName(lookups.size() == 1 ? first : then) };
        }
    }

    private static final SocketEvents IGNORED = new SocketEvents() {
        @Override
        public void textReceived(String text) {
        }

        @Override
        public void binaryReceived(byte[] bytes) {
        }

        @Override
        public void pongReceived() {
        }

        @Override
        public void closed(Integer code, String reason) {
        }

        @Override
        public void failed(Throwable failure) {
        }
    };

    private WebSocketUpstream upstream(String url, UpstreamPolicy policy, Map<String, String> more) {
        Map<String, String> keys = new HashMap<>(Map.of("url", url, "connect-timeout", "2s"));
        keys.putAll(more);
        LonglinkConfig.ConnectionConfig config = ConnectionSettings.read("pinned", keys);
        return new WebSocketUpstream(vertx, config, policy);
    }

    private static UpstreamSocket connect(WebSocketUpstream upstream) throws Exception {
        return upstream.connect(Handshake.withHeaders(Map.of()), IGNORED).toCompletableFuture()
                .get(20, TimeUnit.SECONDS);
    }

    @Test
    void aNameThatRebindsToLoopbackAfterTheCheckIsNeverDialledThere() throws Exception {
        UpstreamServer loopback = UpstreamResource.main();
        Rebinding dns = new Rebinding("203.0.113.7", "127.0.0.1");
        // "localhost" is what the client's own resolver would answer 127.0.0.1 for, were it asked again
        WebSocketUpstream upstream = upstream("ws://localhost:" + loopback.port() + "/rebound",
                new UpstreamPolicy(true, List.of(), dns), Map.of());
        assertThrows(ExecutionException.class, () -> connect(upstream), "203.0.113.7 is not there");
        assertEquals(List.of("localhost"), dns.lookups, "resolved once, by the check");
        assertTrue(loopback.path("/rebound").handshakes.isEmpty(), "the loopback upstream saw no handshake");

        UpstreamNotAllowedException refused = assertThrows(UpstreamNotAllowedException.class,
                () -> new UpstreamPolicy(true, List.of(), new Rebinding("127.0.0.1", "203.0.113.7"))
                        .pin(java.net.URI.create("ws://localhost/")));
        assertTrue(refused.getMessage().contains("loopback"), refused.getMessage());
    }

    @Test
    void aPinnedConnectSendsTheHostNameInTheHostHeader() throws Exception {
        UpstreamServer loopback = UpstreamResource.main();
        Rebinding dns = new Rebinding("127.0.0.1", "203.0.113.7");
        WebSocketUpstream upstream = upstream("ws://feed.longlink.test:" + loopback.port() + "/pinned-host",
                new UpstreamPolicy(true, List.of("feed.longlink.test"), dns), Map.of());
        UpstreamSocket socket = connect(upstream);
        socket.close(1000, "done").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals("feed.longlink.test:" + loopback.port(),
                loopback.path("/pinned-host").handshakes.get(0).get("host"));
    }

    @Test
    void overTlsThePinnedConnectVerifiesTheCertificateAgainstTheHostName() throws Exception {
        UpstreamServer tls = UpstreamResource.tls();
        // the certificate names localhost only: verified against the dialled 127.0.0.1 it would fail
        WebSocketUpstream trusted = upstream("wss://localhost:" + tls.port() + "/pinned-tls",
                new UpstreamPolicy(true, List.of("localhost"), new Rebinding("127.0.0.1", "203.0.113.7")),
                Map.of("tls-configuration-name", "test-ca"));
        UpstreamSocket socket = connect(trusted);
        socket.close(1000, "done").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(1, tls.path("/pinned-tls").handshakes.size());

        WebSocketUpstream otherName = upstream("wss://other.longlink.test:" + tls.port() + "/pinned-tls",
                new UpstreamPolicy(true, List.of("other.longlink.test"), new Rebinding("127.0.0.1", "127.0.0.1")),
                Map.of("tls-configuration-name", "test-ca"));
        assertThrows(ExecutionException.class, () -> connect(otherName), "the certificate is not for that name");
        assertEquals(1, tls.path("/pinned-tls").handshakes.size());
    }
}
