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
 * received: every frame, and for text frames also the socket each came on and when ({@link PathState#received}),
 * with when each socket opened and closed (so a test can tell which owner sent what, and how long two sockets of
 * one connection were open at once). Behaviour is per request path, so one server can stand for several upstreams.
 */
public final class UpstreamServer implements AutoCloseable {

    private static final int MAX_MESSAGE = 16 * 1024 * 1024;

    /** A frame the upstream received. */
    public record Frame(boolean binary, byte[] data) {
        public String text() {
            return new String(data, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** A text frame with the number of the socket it came on (0 for the path's first socket) and when it came. */
    public record Received(int socket, String text, long nanos) {
    }

    /** What one path has seen; lists are safe to read from the test thread. */
    public static final class PathState {
        public final List<Frame> frames = new CopyOnWriteArrayList<>();
        /** Every text frame with its socket, in arrival order: which socket sent what, and when. */
        public final List<Received> received = new CopyOnWriteArrayList<>();
        /** When each socket (by number) was closed or dropped ({@link System#nanoTime()}). */
        final Map<Integer, Long> closedNanos = new ConcurrentHashMap<>();
        public final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
        public final List<Map<String, String>> handshakes = new CopyOnWriteArrayList<>();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();
        /** When each handshake arrived ({@link System#nanoTime()}), in order. */
        public final List<Long> handshakeNanos = new CopyOnWriteArrayList<>();
        volatile boolean frozen;
        volatile int rejectStatus;
        /** {@code Retry-After} sent with {@link #rejectStatus}, or null. */
        volatile String retryAfter;
        /** When set, a handshake whose {@code Authorization} this refuses is answered 401. */
        volatile java.util.function.Predicate<String> authorization;
        /** When not 0, every socket is closed with this code {@link #closeAfterMillis} after the upgrade. */
        volatile int closeOnOpen;
        volatile long closeAfterMillis;
        /** When not 0, a socket that sends more than this many text frames in {@link #ratePerNanos} is kicked. */
        volatile int rateLimit;
        volatile long ratePerNanos;
        /** When each socket was kicked for sending too fast ({@link System#nanoTime()}). */
        public final List<Long> kicks = new CopyOnWriteArrayList<>();
        /** When set, the path speaks this login-and-subscribe protocol. */
        volatile FeedProtocol feed;
        /** When set, the path answers JSON-RPC requests. */
        volatile JsonRpcProtocol rpc;

        public List<String> texts() {
            List<String> texts = new ArrayList<>();
            frames.forEach(f -> texts.add(f.text()));
            return texts;
        }

        public long openSockets() {
            return sockets.stream().filter(s -> !s.ws.isClosed()).count();
        }

        /** Sockets accepted so far; the next one gets this number. */
        public int socketCount() {
            return sockets.size();
        }

        /** When socket {@code number} was accepted ({@link System#nanoTime()}). */
        public long openedNanos(int number) {
            return sockets.get(number).openedNanos();
        }

        /** When socket {@code number} was closed or dropped, or -1 while it is open. */
        public long closedNanos(int number) {
            Long closed = closedNanos.get(number);
            return closed == null ? -1 : closed;
        }

        /** Whether socket {@code number} is still open. */
        public boolean isOpen(int number) {
            return !sockets.get(number).ws().isClosed();
        }

        /** Most sockets that were open at the same moment. */
        public int mostOpenAtOnce() {
            return overlap().most();
        }

        /** The longest stretch of time during which two or more sockets were open at once (open ones count up to now). */
        public java.time.Duration longestOverlap() {
            return java.time.Duration.ofNanos(overlap().longestNanos());
        }

        private record Overlap(int most, long longestNanos) {
        }

        private Overlap overlap() {
            long now = System.nanoTime();
            List<long[]> events = new ArrayList<>();
            for (Socket socket : sockets) {
                long closed = closedNanos(socket.number());
                events.add(new long[] { socket.openedNanos(), 1 });
                events.add(new long[] { closed < 0 ? now : closed, -1 });
            }
            // at equal times a close comes before an open: a socket replaced in the same instant is no overlap
            events.sort(java.util.Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
            int open = 0;
            int most = 0;
            long since = 0;
            long longest = 0;
            for (long[] event : events) {
                int before = open;
                open += (int) event[1];
                most = Math.max(most, open);
                if (before < 2 && open >= 2) {
                    since = event[0];
                } else if (before >= 2 && open < 2) {
                    longest = Math.max(longest, event[0] - since);
                }
            }
            return new Overlap(most, longest);
        }
    }

    /** A socket and the Vert.x context it lives on (pause and resume must run there). */
    record Socket(ServerWebSocket ws, HttpConnection connection, io.vertx.core.Context context, int number,
            long openedNanos) {
    }

    private final Vertx vertx;
    private final String host;
    /** The port; 0 until the first start when any free port was asked for. */
    private volatile int port;
    private final Map<String, PathState> paths = new ConcurrentHashMap<>();
    private volatile HttpServer server;
    /** TLS (and client authentication) for a {@code wss://} upstream, or null for {@code ws://}. */
    private final java.util.function.Consumer<HttpServerOptions> tls;

    /** A server on loopback ({@code localhost}). */
    public UpstreamServer(Vertx vertx, int port) {
        this(vertx, "localhost", port);
    }

    /**
     * A server listening on {@code host} (a name or an address of this machine) and {@code port}; port 0 takes
     * a free port at the first {@link #start()} and keeps it for restarts.
     */
    public UpstreamServer(Vertx vertx, String host, int port) {
        this(vertx, host, port, null);
    }

    /** A {@code wss://} server when {@code tls} is not null: it sets the key store, trust and client auth. */
    public UpstreamServer(Vertx vertx, String host, int port, java.util.function.Consumer<HttpServerOptions> tls) {
        this.vertx = vertx;
        this.host = host;
        this.port = port;
        this.tls = tls;
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return (tls == null ? "ws://" : "wss://") + host + ":" + port + path;
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
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
                .setMaxWebSocketFrameSize(MAX_MESSAGE).setMaxWebSocketMessageSize(MAX_MESSAGE)
                .setWebSocketSubProtocols(List.of("chat.v2", "chat.v1"));
        if (tls != null) {
            tls.accept(options.setSsl(true));
        }
        HttpServer s = vertx.createHttpServer(options);
        s.requestHandler(request -> {
            PathState state = path(request.path());
            Map<String, String> headers = new ConcurrentHashMap<>();
            request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
            state.handshakes.add(headers);
            state.handshakeNanos.add(System.nanoTime());
            java.util.function.Predicate<String> authorization = state.authorization;
            if (authorization != null && !authorization.test(request.getHeader("Authorization"))) {
                request.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer").end();
                return;
            }
            if (state.rejectStatus != 0) {
                String retryAfter = state.retryAfter;
                if (retryAfter != null) {
                    request.response().putHeader("Retry-After", retryAfter);
                }
                request.response().setStatusCode(state.rejectStatus).end();
                return;
            }
            HttpConnection connection = request.connection();
            request.toWebSocket().onSuccess(ws -> {
                Socket socket;
                synchronized (state) {
                    socket = new Socket(ws, connection, vertx.getOrCreateContext(), state.sockets.size(),
                            System.nanoTime());
                    state.sockets.add(socket);
                }
                java.util.ArrayDeque<Long> recent = new java.util.ArrayDeque<>();
                ws.textMessageHandler(text -> {
                    if (state.rateLimit > 0 && tooFast(recent, state, System.nanoTime()) && !ws.isClosed()) {
                        state.kicks.add(System.nanoTime());
                        ws.close((short) 1008, "too many requests");
                    }
                    state.frames.add(new Frame(false, text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    state.received.add(new Received(socket.number(), text, System.nanoTime()));
                    FeedProtocol feed = state.feed;
                    if (feed != null) {
                        feed.received(ws, text);
                    }
                    JsonRpcProtocol rpc = state.rpc;
                    if (rpc != null) {
                        rpc.received(ws, connection, text);
                    }
                });
                ws.binaryMessageHandler(buffer -> state.frames.add(new Frame(true, buffer.getBytes())));
                ws.closeHandler(v -> {
                    state.closedNanos.putIfAbsent(socket.number(), System.nanoTime());
                    Short code = ws.closeStatusCode();
                    state.closeCodes.add(code == null ? -1 : (int) code);
                });
                if (state.frozen) {
                    freeze(socket);
                }
                if (state.closeOnOpen != 0 && state.closeAfterMillis == 0) {
                    ws.close((short) state.closeOnOpen, "closing at once");
                } else if (state.closeOnOpen != 0) {
                    short code = (short) state.closeOnOpen;
                    vertx.setTimer(state.closeAfterMillis, t -> ws.close(code, "closing soon after the upgrade"));
                }
            });
        });
        server = listen(s);
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
        state.sockets.forEach(socket -> socket.context().runOnContext(v -> freeze(socket)));
    }

    public void thaw(String path) {
        PathState state = path(path);
        state.frozen = false;
        state.sockets.forEach(socket -> socket.context().runOnContext(v -> {
            ((io.vertx.core.net.impl.ConnectionBase) socket.connection()).doResume();
            socket.ws().resume();
        }));
    }

    /**
     * Stops reading the socket's TCP connection, not only its messages: Vert.x answers a ping the moment it decodes
     * it, paused or not (a paused WebSocket only stops reading once its queue of frames is full), so a frozen peer
     * must not decode anything at all.
     */
    private static void freeze(Socket socket) {
        socket.ws().pause();
        ((io.vertx.core.net.impl.ConnectionBase) socket.connection()).doPause();
    }

    /** Makes the path speak the login-and-subscribe protocol from now on; returns it for the test to steer. */
    public FeedProtocol speakFeedProtocol(String path) {
        PathState state = path(path);
        if (state.feed == null) {
            state.feed = new FeedProtocol();
        }
        return state.feed;
    }

    /** Makes the path answer JSON-RPC requests from now on; returns it for the test to steer. */
    public JsonRpcProtocol speakJsonRpc(String path) {
        PathState state = path(path);
        if (state.rpc == null) {
            state.rpc = new JsonRpcProtocol(vertx);
        }
        return state.rpc;
    }

    /** Answers the path's handshakes with this HTTP status instead of upgrading (0 to upgrade again). */
    public void rejectHandshakes(String path, int status) {
        rejectHandshakes(path, status, null);
    }

    /** Answers the path's handshakes with this HTTP status and {@code Retry-After} (null for none). */
    public void rejectHandshakes(String path, int status, String retryAfter) {
        path(path).retryAfter = retryAfter;
        path(path).rejectStatus = status;
    }

    /** Answers 401 to handshakes whose {@code Authorization} header (null when absent) {@code check} refuses. */
    public void requireAuthorization(String path, java.util.function.Predicate<String> check) {
        path(path).authorization = check;
    }

    /** Closes every new socket of the path with {@code code} right after the upgrade (0: no longer). */
    public void closeOnOpen(String path, int code) {
        closeAfter(path, code, java.time.Duration.ZERO);
    }

    /** Closes every new socket of the path with {@code code} once it was open for {@code after} (a flapping upstream). */
    public void closeAfter(String path, int code, java.time.Duration after) {
        PathState state = path(path);
        state.closeAfterMillis = after.toMillis();
        state.closeOnOpen = code;
    }

    /**
     * Closes a socket of the path with 1008 "too many requests" when it sends more than {@code limit} text frames in
     * any window of {@code per}, as exchanges do; each such kick is recorded in {@link PathState#kicks}.
     */
    public void limitRate(String path, int limit, java.time.Duration per) {
        PathState state = path(path);
        state.ratePerNanos = per.toNanos();
        state.rateLimit = limit;
    }

    /** Records a text frame of one socket at {@code now}: whether it makes more than the path's limit in a window. */
    private static boolean tooFast(java.util.ArrayDeque<Long> recent, PathState state, long now) {
        recent.addLast(now);
        while (now - recent.peekFirst() >= state.ratePerNanos) {
            recent.removeFirst();
        }
        return recent.size() > state.rateLimit;
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

    /**
     * Listens on the port; a port just released by {@link #kill} is sometimes still held by the kernel for a moment
     * (seen as a rare BindException in a kill-then-start), so a bind failure is retried for a few seconds.
     */
    private static HttpServer listen(HttpServer s) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                return await(s.listen());
            } catch (IllegalStateException e) {
                boolean bind = e.getCause() != null && e.getCause().getCause() instanceof java.net.BindException;
                if (!bind || System.nanoTime() > deadline) {
                    throw e;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
    }

    private static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
