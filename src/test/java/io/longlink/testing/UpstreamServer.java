package io.longlink.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;

/**
 * A real WebSocket upstream for tests, on loopback or a given local address, that a test can start, kill (TCP closed without a close
 * frame), restart on the same port, freeze (stop reading: no pongs, no close replies), and ask what it
 * received. Behaviour is per request path, so one server can stand for several upstreams.
 */
public final class UpstreamServer implements AutoCloseable {

    private static final int MAX_MESSAGE = 16 * 1024 * 1024;

    /** A frame the upstream received. */
    public record Frame(boolean binary, byte[] data) {
        public String text() {
            return new String(data, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** What one path has seen; lists are safe to read from the test thread. */
    public static final class PathState {
        public final List<Frame> frames = new CopyOnWriteArrayList<>();
        public final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
        public final List<Map<String, String>> handshakes = new CopyOnWriteArrayList<>();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();
        volatile boolean frozen;
        volatile int rejectStatus;

        public List<String> texts() {
            List<String> texts = new ArrayList<>();
            frames.forEach(f -> texts.add(f.text()));
            return texts;
        }

        public long openSockets() {
            return sockets.stream().filter(s -> !s.ws.isClosed()).count();
        }
    }

    record Socket(ServerWebSocket ws, HttpConnection connection) {
    }

    private final Vertx vertx;
    private final String host;
    /** The port; 0 until the first start when any free port was asked for. */
    private volatile int port;
    private final Map<String, PathState> paths = new ConcurrentHashMap<>();
    private volatile HttpServer server;

    /** A server on loopback ({@code localhost}). */
    public UpstreamServer(Vertx vertx, int port) {
        this(vertx, "localhost", port);
    }

    /**
     * A server listening on {@code host} (a name or an address of this machine) and {@code port}; port 0 takes
     * a free port at the first {@link #start()} and keeps it for restarts.
     */
    public UpstreamServer(Vertx vertx, String host, int port) {
        this.vertx = vertx;
        this.host = host;
        this.port = port;
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "ws://" + host + ":" + port + path;
    }

    /** The paths requested so far. */
    public java.util.Set<String> paths() {
        return paths.keySet();
    }

    /** What the path has seen. Paths are exact on purpose: a client that alters the configured path fails. */
    public PathState path(String path) {
        return paths.computeIfAbsent(path, p -> new PathState());
    }

    public synchronized UpstreamServer start() {
        if (server != null) {
            return this;
        }
        // messages up to 16 MiB, as longlink's own inbound limit: the outbox tests send 1 MiB messages
        HttpServer s = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
                .setMaxWebSocketFrameSize(MAX_MESSAGE).setMaxWebSocketMessageSize(MAX_MESSAGE)
                .setWebSocketSubProtocols(List.of("chat.v2", "chat.v1")));
        s.requestHandler(request -> {
            PathState state = path(request.path());
            Map<String, String> headers = new ConcurrentHashMap<>();
            request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
            state.handshakes.add(headers);
            if (state.rejectStatus != 0) {
                request.response().setStatusCode(state.rejectStatus).end();
                return;
            }
            HttpConnection connection = request.connection();
            request.toWebSocket().onSuccess(ws -> {
                Socket socket = new Socket(ws, connection);
                state.sockets.add(socket);
                ws.textMessageHandler(text -> state.frames.add(new Frame(false, text.getBytes(
                        java.nio.charset.StandardCharsets.UTF_8))));
                ws.binaryMessageHandler(buffer -> state.frames.add(new Frame(true, buffer.getBytes())));
                ws.closeHandler(v -> {
                    Short code = ws.closeStatusCode();
                    state.closeCodes.add(code == null ? -1 : (int) code);
                });
                if (state.frozen) {
                    ws.pause();
                }
            });
        });
        server = await(s.listen());
        port = server.actualPort();
        return this;
    }

    /** Stops listening and drops every TCP connection without a close frame, as a crashed server would. */
    public synchronized void kill() {
        HttpServer s = server;
        server = null;
        if (s == null) {
            return;
        }
        paths.values().forEach(state -> state.sockets.forEach(socket -> socket.connection().close()));
        await(s.close());
    }

    /** Sends a close frame with this code on every socket of the path. */
    public void closeSockets(String path, short code, String reason) {
        path(path).sockets.forEach(socket -> {
            if (!socket.ws().isClosed()) {
                socket.ws().close(code, reason);
            }
        });
    }

    /** Stops reading on the path's sockets, present and future: pings and closes go unanswered. */
    public void freeze(String path) {
        PathState state = path(path);
        state.frozen = true;
        state.sockets.forEach(socket -> vertx.runOnContext(v -> socket.ws().pause()));
    }

    public void thaw(String path) {
        PathState state = path(path);
        state.frozen = false;
        state.sockets.forEach(socket -> vertx.runOnContext(v -> socket.ws().resume()));
    }

    /** Answers the path's handshakes with this HTTP status instead of upgrading (0 to upgrade again). */
    public void rejectHandshakes(String path, int status) {
        path(path).rejectStatus = status;
    }

    public void pushText(String path, String text) {
        path(path).sockets.stream().filter(s -> !s.ws().isClosed()).forEach(s -> await(s.ws().writeTextMessage(text)));
    }

    public void pushBinary(String path, byte[] data) {
        path(path).sockets.stream().filter(s -> !s.ws().isClosed())
                .forEach(s -> await(s.ws().writeBinaryMessage(Buffer.buffer(data))));
    }

    @Override
    public void close() {
        kill();
    }

    private static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
