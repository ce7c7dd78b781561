package io.longlink.connection;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import io.longlink.config.LonglinkConfig;
import io.longlink.outbox.OutboundMessage;
import io.quarkus.websockets.next.BasicWebSocketConnector;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketClientConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * A real upstream reached with the Quarkus WebSockets Next client. Connectors are single-use, so every
 * {@link #connect} builds a fresh {@link BasicWebSocketConnector}. The URL's path is sent exactly as configured
 * (the connector would turn an empty path into {@code /} and append {@code /} to {@code baseUri}'s path).
 */
final class WebSocketUpstream implements Upstream {

    /** Payload of heartbeat pings (copied into a fresh buffer per ping: a written buffer is released). */
    private static final byte[] PING = "longlink".getBytes(StandardCharsets.US_ASCII);

    private final LonglinkConfig.ConnectionConfig config;
    /** The upstream URL without its path. */
    private final URI baseUri;
    /** The upstream URL's raw path. */
    private final String path;
    private final String host;
    private final int port;
    private final NetClient probeClient;
    private final Vertx vertx;
    /** Checked before every connect of a runtime connection; null for configured ones. */
    private final UpstreamPolicy policy;

    WebSocketUpstream(Vertx vertx, LonglinkConfig.ConnectionConfig config, UpstreamPolicy policy) {
        this.config = config;
        this.vertx = vertx;
        this.policy = policy;
        URI url = config.url();
        this.baseUri = URI.create(url.getScheme() + "://" + url.getRawAuthority()
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()));
        this.path = url.getRawPath() == null ? "" : url.getRawPath();
        this.port = url.getPort() >= 0 ? url.getPort() : ("wss".equalsIgnoreCase(url.getScheme()) ? 443 : 80);
        this.host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1)
                : url.getHost();
        int probeTimeoutMillis = (int) Math.max(1,
                Math.min(config.offline().probeInterval().toMillis(), config.connectTimeout().toMillis()));
        this.probeClient = vertx.createNetClient(new NetClientOptions().setConnectTimeout(probeTimeoutMillis));
    }

    @Override
    public CompletionStage<UpstreamSocket> connect(Map<String, String> headers, SocketEvents events) {
        if (policy == null) {
            return open(headers, events);
        }
        // resolving blocks: check on a worker, then connect (the name is resolved again by the connect itself)
        return vertx.executeBlocking(() -> {
            policy.check(config.url());
            return null;
        }, false).toCompletionStage().thenCompose(ok -> open(headers, events));
    }

    private CompletionStage<UpstreamSocket> open(Map<String, String> headers, SocketEvents events) {
        int closingSeconds = (int) Math.max(1, (config.closeTimeout().toMillis() + 999) / 1000);
        int connectMillis = (int) Math.max(1, config.connectTimeout().toMillis());
        int maxMessage = (int) Math.min(Integer.MAX_VALUE, config.inbound().maxMessageSize().asLongValue());
        BasicWebSocketConnector connector = BasicWebSocketConnector.create()
                .baseUri(baseUri)
                .path(path)
                .executionModel(BasicWebSocketConnector.ExecutionModel.NON_BLOCKING)
                .customizeOptions((connectOptions, clientOptions) -> clientOptions
                        .setConnectTimeout(connectMillis)
                        .setClosingTimeout(closingSeconds)
                        .setMaxMessageSize(maxMessage))
                .onTextMessage((c, text) -> events.textReceived(text))
                .onBinaryMessage((c, bytes) -> events.binaryReceived(bytes.getBytes()))
                .onPong((c, data) -> events.pongReceived())
                .onClose((c, reason) -> events.closed(reason.getCode(), reason.getMessage()))
                .onError((c, failure) -> events.failed(failure));
        headers.forEach(connector::addHeader);
        config.subprotocols().ifPresent(list -> list.forEach(connector::addSubprotocol));
        try {
            return connector.connect().subscribeAsCompletionStage().thenApply(Socket::new);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Void> probe() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        probeClient.connect(port, host).onComplete(outcome -> {
            if (outcome.succeeded()) {
                outcome.result().close();
                result.complete(null);
            } else if (FailureClassifier.isRefusal(outcome.cause())) {
                result.complete(null);
            } else {
                result.completeExceptionally(outcome.cause());
            }
        });
        return result;
    }

    /** One WebSockets Next client connection. */
    private record Socket(WebSocketClientConnection connection) implements UpstreamSocket {

        @Override
        public CompletionStage<Written> write(List<OutboundMessage> messages) {
            int size = messages.size();
            CompletableFuture<Written> done = new CompletableFuture<>();
            AtomicInteger remaining = new AtomicInteger(size);
            Throwable[] failures = new Throwable[size];
            for (int i = 0; i < size; i++) {
                int index = i;
                OutboundMessage message = messages.get(i);
                Uni<Void> write = message.binary()
                        ? connection.sendBinary(Buffer.buffer(message.payload()))
                        : connection.sendText(new String(message.payload(), StandardCharsets.UTF_8));
                write.subscribe().with(
                        ok -> {
                            if (remaining.decrementAndGet() == 0) {
                                done.complete(written(failures));
                            }
                        },
                        failure -> {
                            failures[index] = failure;
                            if (remaining.decrementAndGet() == 0) {
                                done.complete(written(failures));
                            }
                        });
            }
            return done;
        }

        private static Written written(Throwable[] failures) {
            int count = 0;
            while (count < failures.length && failures[count] == null) {
                count++;
            }
            return new Written(count, count < failures.length ? failures[count] : null);
        }

        @Override
        public CompletionStage<Void> sendText(String text) {
            return connection.sendText(text).subscribeAsCompletionStage();
        }

        @Override
        public CompletionStage<Void> sendBinary(byte[] bytes) {
            return connection.sendBinary(Buffer.buffer(bytes)).subscribeAsCompletionStage();
        }

        @Override
        public CompletionStage<Void> ping() {
            return connection.sendPing(Buffer.buffer(PING)).subscribeAsCompletionStage();
        }

        @Override
        public CompletionStage<Void> close(int code, String reason) {
            if (connection.isClosed()) {
                return CompletableFuture.completedFuture(null);
            }
            return connection.close(new CloseReason(code, reason)).subscribeAsCompletionStage();
        }
    }
}
