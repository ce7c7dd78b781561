package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.longlink.testing.NetworkNamespace;
import io.longlink.testing.UpstreamServer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverException;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * {@link FailureClassifier} against the exceptions that really come out of connect attempts with Vert.x 4.5
 * (NIO transport): each case attempts a real connection (to a closed port, a name that does not resolve, a
 * server that rejects the handshake, a host with no route inside a network namespace...) and classifies what
 * it raised. Nothing here is constructed by hand except the service's own handshake-deadline exception.
 */
class FailureClassifierTest {

    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void refusedConnectMeansUpstreamDown() throws Exception {
        int port = closedPort();
        Throwable tcp = ConnectFailureCapture.tcp(vertx, "127.0.0.1", port);
        Throwable ws = ConnectFailureCapture.webSocket(vertx, target("127.0.0.1", port));

        for (Throwable failure : List.of(tcp, ws)) {
            assertInstanceOf(ConnectException.class, failure);
            assertTrue(failure.getMessage().contains("Connection refused"), failure.getMessage());
            assertFalse(FailureClassifier.isNetworkUnreachable(failure));
            assertTrue(FailureClassifier.isRefusal(failure));
            assertTrue(FailureClassifier.describe(failure).startsWith("connect failed: Connection refused"),
                    FailureClassifier.describe(failure));
        }
    }

    @Test
    void rejectedHandshakeMeansUpstreamDown() {
        try (UpstreamServer upstream = new UpstreamServer(vertx, "127.0.0.1", 0).start()) {
            upstream.rejectHandshakes("/", 503);
            Throwable failure = ConnectFailureCapture.webSocket(vertx, target("127.0.0.1", upstream.port()));
            assertInstanceOf(UpgradeRejectedException.class, failure);
            assertFalse(FailureClassifier.isNetworkUnreachable(failure));
            assertFalse(FailureClassifier.isRefusal(failure));
            assertEquals("handshake rejected with HTTP status 503", FailureClassifier.describe(failure));
        }
    }

    @Test
    void connectTimeoutMeansUpstreamDown() throws Exception {
        // a listener whose accept queue is full drops further SYNs: the connect can only time out
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    fillers.add(fill(full.getLocalPort()));
                }
                Throwable failure = ConnectFailureCapture.tcp(vertx, "127.0.0.1", full.getLocalPort());
                assertInstanceOf(ConnectTimeoutException.class, failure);
                assertFalse(FailureClassifier.isNetworkUnreachable(failure));
                assertFalse(FailureClassifier.isRefusal(failure));
            } finally {
                for (Socket filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    @Test
    void handshakeDeadlineMeansUpstreamDown() {
        Throwable failure = new TimeoutException("no handshake within 10000 ms");

        assertFalse(FailureClassifier.isNetworkUnreachable(failure));
        assertFalse(FailureClassifier.isRefusal(failure));
        assertEquals("no handshake within 10000 ms", FailureClassifier.describe(failure));
    }

    @Test
    void unknownHostMeansOffline() {
        Throwable tcp = ConnectFailureCapture.tcp(vertx, "no-such-host.invalid", 80);
        Throwable ws = ConnectFailureCapture.webSocket(vertx, target("no-such-host.invalid", 80));

        for (Throwable failure : List.of(tcp, ws)) {
            assertInstanceOf(UnknownHostException.class, failure);
            assertTrue(FailureClassifier.isNetworkUnreachable(failure));
            assertFalse(FailureClassifier.isRefusal(failure));
            assertTrue(FailureClassifier.describe(failure).contains("no-such-host.invalid"),
                    FailureClassifier.describe(failure));
        }
    }

    @Test
    void silentDnsServerMeansOffline() throws Exception {
        // Netty's resolver, as Vert.x uses it with async DNS on, asking a name server that never answers
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                DnsNameResolver resolver = new DnsNameResolverBuilder(group.next())
                        .datagramChannelType(NioDatagramChannel.class)
                        .nameServerProvider(new SingletonDnsServerAddressStreamProvider(
                                new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort())))
                        .queryTimeoutMillis(300).maxQueriesPerResolve(1)
                        .build()) {
            Throwable failure = resolver.resolve("upstream.example.com").await().cause();

            assertInstanceOf(UnknownHostException.class, failure);
            assertInstanceOf(DnsNameResolverException.class, failure.getCause());
            assertTrue(FailureClassifier.isNetworkUnreachable(failure));
            assertTrue(FailureClassifier.isNetworkUnreachable(failure.getCause()));
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void noRouteInsideANetworkNamespaceMeansOffline() throws Exception {
        assumeTrue(NetworkNamespace.available(), "needs root and iproute2");
        List<Throwable> failures;
        try (NetworkNamespace ns = new NetworkNamespace("ll3-classify")) {
            // nothing routes to 10.213.31.0/24 (ENETUNREACH); 10.213.32.0/24 is an unreachable route (EHOSTUNREACH)
            ns.ip("route", "add", "unreachable", "10.213.32.0/24");
            failures = captureInside(ns, "10.213.31.1:9", "10.213.32.1:9");
        }
        assertEquals(4, failures.size());
        for (Throwable failure : failures.subList(0, 2)) {
            assertInstanceOf(SocketException.class, failure);
            assertTrue(failure.getMessage().contains("Network is unreachable"), failure.getMessage());
            assertTrue(FailureClassifier.isNetworkUnreachable(failure));
            assertFalse(FailureClassifier.isRefusal(failure));
        }
        for (Throwable failure : failures.subList(2, 4)) {
            assertInstanceOf(NoRouteToHostException.class, failure);
            assertTrue(FailureClassifier.isNetworkUnreachable(failure));
            assertFalse(FailureClassifier.isRefusal(failure));
        }
    }

    @Test
    void wrappedFailuresAreClassifiedByTheirCause() {
        Throwable refused = ConnectFailureCapture.tcp(vertx, "127.0.0.1", closedPort());
        Throwable unknown = ConnectFailureCapture.tcp(vertx, "no-such-host.invalid", 80);

        assertFalse(FailureClassifier.isNetworkUnreachable(new IllegalStateException("wrapped", refused)));
        assertTrue(FailureClassifier.isNetworkUnreachable(new IllegalStateException("wrapped", unknown)));
        assertTrue(FailureClassifier.isNetworkUnreachable(new NetworkUnreachableException(unknown)));
    }

    private static List<Throwable> captureInside(NetworkNamespace ns, String... targets) throws Exception {
        Path out = Files.createTempFile("connect-failures", ".ser");
        try {
            List<String> command = new ArrayList<>(List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "-cp", System.getProperty("java.class.path"),
                    ConnectFailureCapture.class.getName(), out.toString()));
            command.addAll(List.of(targets));
            Process process = ns.exec(command).inheritIO().start();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "capture process did not finish");
            assertEquals(0, process.exitValue(), "capture process failed");
            try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(out))) {
                @SuppressWarnings("unchecked")
                List<Throwable> failures = (List<Throwable>) in.readObject();
                failures.forEach(f -> assertNotNull(f, "a connect inside the namespace succeeded"));
                return failures;
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static WebSocketConnectOptions target(String host, int port) {
        return new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/");
    }

    private static Socket fill(int port) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        } catch (IOException e) {
            // the queue is already full: this one is left hanging, which is what we want
        }
        return socket;
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
