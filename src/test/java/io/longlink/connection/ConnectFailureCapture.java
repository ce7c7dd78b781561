package io.longlink.connection;

import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.NetClientOptions;

/**
 * Really attempts connections and records how each one failed, so a test can classify the exceptions that the
 * JDK, Netty and Vert.x actually raise. Run as a separate process when the failure only happens in another
 * network namespace ({@code ip netns exec ns java ... ConnectFailureCapture out host:port ...}): each target is
 * tried as a plain TCP connect and as a WebSocket handshake, and the failures (null for a success) are written
 * to {@code out} with Java serialization, in that order.
 */
public final class ConnectFailureCapture {

    static final int CONNECT_TIMEOUT_MILLIS = 2000;

    private ConnectFailureCapture() {
    }

    public static void main(String[] args) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            List<Throwable> failures = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                String host = args[i].substring(0, args[i].lastIndexOf(':'));
                int port = Integer.parseInt(args[i].substring(args[i].lastIndexOf(':') + 1));
                failures.add(tcp(vertx, host, port));
                failures.add(webSocket(vertx, new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/")));
            }
            try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(Path.of(args[0])))) {
                out.writeObject(failures);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** How a plain TCP connect to host:port failed, or null when it connected. */
    static Throwable tcp(Vertx vertx, String host, int port) {
        return failureOf(vertx.createNetClient(new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MILLIS))
                .connect(port, host).compose(socket -> socket.close()));
    }

    /** How a WebSocket handshake failed, or null when it succeeded. */
    static Throwable webSocket(Vertx vertx, WebSocketConnectOptions options) {
        return failureOf(vertx.createWebSocketClient(new WebSocketClientOptions()
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)).connect(options).compose(ws -> ws.close()));
    }

    private static Throwable failureOf(Future<?> future) {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        future.onComplete(result -> outcome.complete(result.cause()));
        try {
            return outcome.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("no outcome from the connect attempt", e);
        }
    }
}
