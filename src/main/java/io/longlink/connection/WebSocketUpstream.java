package io.longlink.connection;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.URLDecoder;
import java.net.URLEncoder;
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
import io.smallrye.mutiny.subscription.UniSubscriber;
import io.smallrye.mutiny.subscription.UniSubscription;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;

/**
 * A real upstream reached with the Quarkus WebSockets Next client. Connectors are single-use, so every
 * {@link #connect} builds a fresh {@link BasicWebSocketConnector}. The URL's path is sent exactly as configured
 * (the connector would turn an empty path into {@code /} and append {@code /} to {@code baseUri}'s path); query
 * parameters of the attempt (an OAuth2 token) are appended to the configured query.
 *
 * <p>{@code tls-configuration-name} is handed to the connector, which resolves it in the Quarkus TLS registry
 * (trust store, key store for mTLS; host names verified). {@code proxy.url} becomes Vert.x {@link ProxyOptions} on
 * the connector's client options (HTTP CONNECT or SOCKS5) and on the offline probe's {@link NetClient}, so the probe
 * tests the route the handshake takes: it succeeds when the proxy answers, whether or not the proxy then reaches
 * the upstream (the attempt that follows tells that).
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
    /** Null without {@code proxy.url}. */
    private final ProxyOptions proxy;

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
        this.proxy = config.proxy().url().map(WebSocketUpstream::proxyOptions).orElse(null);
        this.probeClient = vertx.createNetClient(new NetClientOptions().setConnectTimeout(probeTimeoutMillis)
                .setProxyOptions(proxy));
    }

    /** {@code http://[user:pass@]host:port} or {@code socks5://...} as Vert.x proxy options. */
    static ProxyOptions proxyOptions(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        ProxyType type = switch (scheme) {
            case "http" -> ProxyType.HTTP;
            case "socks5" -> ProxyType.SOCKS5;
            default -> throw new IllegalArgumentException("must be an http:// or socks5:// URL");
        };
        if (url.getHost() == null) {
            throw new IllegalArgumentException("must name a host");
        }
        ProxyOptions options = new ProxyOptions().setType(type).setHost(url.getHost())
                .setPort(url.getPort() >= 0 ? url.getPort() : type == ProxyType.HTTP ? 3128 : 1080);
        if (url.getRawUserInfo() != null) {
            String[] user = url.getRawUserInfo().split(":", 2);
            options.setUsername(decode(user[0]));
            if (user.length > 1) {
                options.setPassword(decode(user[1]));
            }
        }
        return options;
    }

    private static String decode(String part) {
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public CompletionStage<UpstreamSocket> connect(Handshake handshake, SocketEvents events) {
        if (policy == null) {
            return open(handshake, events, null);
        }
        // resolving blocks: check on a worker, then dial the very address checked
        return vertx.executeBlocking(() -> policy.pin(config.url()), false).toCompletionStage()
                .thenCompose(address -> open(handshake, events, address));
    }

    /**
     * Opens a socket to the URL's host, or, with {@code pinned}, to that address: the {@code Host} header (unless the
     * connection sets one) and the TLS server name (SNI, certificate verification) stay the URL's host name.
     */
    private CompletionStage<UpstreamSocket> open(Handshake handshake, SocketEvents events, InetAddress pinned) {
        int closingSeconds = (int) Math.max(1, (config.closeTimeout().toMillis() + 999) / 1000);
        int connectMillis = (int) Math.max(1, config.connectTimeout().toMillis());
        int maxMessage = (int) Math.min(Integer.MAX_VALUE, config.inbound().maxMessageSize().asLongValue());
        BasicWebSocketConnector connector = BasicWebSocketConnector.create()
                .baseUri(withQuery(pinned == null ? baseUri : pinnedBase(pinned), handshake.queryParameters()))
                .path(path)
                .executionModel(BasicWebSocketConnector.ExecutionModel.NON_BLOCKING)
                .customizeOptions((connectOptions, clientOptions) -> {
                    clientOptions.setConnectTimeout(connectMillis)
                            .setClosingTimeout(closingSeconds)
                            .setMaxMessageSize(maxMessage)
                            .setProxyOptions(proxy == null ? null : new ProxyOptions(proxy));
                    if (pinned != null) {
                        if ("wss".equalsIgnoreCase(config.url().getScheme()) && !isAddressLiteral(host)) {
                            clientOptions.setSslEngineOptions(
                                    new ServerNameSslEngineOptions(clientOptions.getSslEngineOptions(), host));
                        }
                    }
                })
                .onTextMessage((c, text) -> events.textReceived(text))
                .onBinaryMessage((c, bytes) -> events.binaryReceived(bytes.getBytes()))
                .onPong((c, data) -> events.pongReceived())
                .onClose((c, reason) -> events.closed(reason.getCode(), reason.getMessage()))
                .onError((c, failure) -> events.failed(failure));
        handshake.headers().forEach(connector::addHeader);
        if (pinned != null && handshake.headers().keySet().stream().noneMatch("Host"::equalsIgnoreCase)) {
            connector.addHeader("Host", hostHeader());
        }
        config.subprotocols().ifPresent(list -> list.forEach(connector::addSubprotocol));
        config.tlsConfigurationName().ifPresent(connector::tlsConfigurationName);
        try {
            // completes on the socket's event loop (a channel keeps its thread): later writers compare with it
            return connector.connect().subscribeAsCompletionStage()
                    .thenApply(connection -> new Socket(connection, Thread.currentThread()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The {@code Host} header a connect by name would send: the URL's host, and its port unless the default. */
    private String hostHeader() {
        int defaultPort = "wss".equalsIgnoreCase(config.url().getScheme()) ? 443 : 80;
        return config.url().getHost() + (port == defaultPort ? "" : ":" + port);
    }

    private static boolean isAddressLiteral(String host) {
        return host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    /** The base URI with the pinned address in place of the host name (the connector dials the URI's host). */
    private URI pinnedBase(InetAddress pinned) {
        try {
            URI dialled = new URI(baseUri.getScheme(), null, pinned.getHostAddress(), port, null, null, null);
            return URI.create(dialled + (baseUri.getRawQuery() == null ? "" : "?" + baseUri.getRawQuery()));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code base} with {@code extra} appended to its query, values URL-encoded. */
    private static URI withQuery(URI base, Map<String, String> extra) {
        if (extra.isEmpty()) {
            return base;
        }
        StringBuilder uri = new StringBuilder(base.toString());
        char separator = base.getRawQuery() == null ? '?' : '&';
        for (Map.Entry<String, String> e : extra.entrySet()) {
            uri.append(separator).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        return URI.create(uri.toString());
    }

    @Override
    public CompletionStage<Void> probe() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        probeClient.connect(port, host).onComplete(outcome -> {
            if (outcome.succeeded()) {
                outcome.result().close();
                result.complete(null);
            } else if (FailureClassifier.isRefusal(outcome.cause())
                    || proxy != null && FailureClassifier.isProxyAnswer(outcome.cause())) {
                result.complete(null);
            } else {
                result.completeExceptionally(outcome.cause());
            }
        });
        return result;
    }

    /** One WebSockets Next client connection. */
    private record Socket(WebSocketClientConnection connection, Thread loop) implements UpstreamSocket {

        @Override
        public boolean onItsLoop() {
            return Thread.currentThread() == loop;
        }

        @Override
        public CompletionStage<Written> write(List<OutboundMessage> messages) {
            BatchWrite batch = new BatchWrite(messages.size());
            for (int i = 0; i < messages.size(); i++) {
                OutboundMessage message = messages.get(i);
                Uni<Void> write = message.binary()
                        ? connection.sendBinary(Buffer.buffer(message.payload()))
                        : connection.sendText(new String(message.payload(), StandardCharsets.UTF_8));
                // a plain subscriber: subscribe().with(...) would wrap both callbacks for context propagation
                write.subscribe().withSubscriber(batch.frame(i));
            }
            return batch.done;
        }

        /** The outcome of one {@link #write}: completes once every frame's write completed or failed. */
        private static final class BatchWrite {
            final CompletableFuture<Written> done = new CompletableFuture<>();
            private final AtomicInteger remaining;
            private final Throwable[] failures;

            BatchWrite(int size) {
                remaining = new AtomicInteger(size);
                failures = new Throwable[size];
            }

            UniSubscriber<Void> frame(int index) {
                return new UniSubscriber<>() {
                    @Override
                    public void onSubscribe(UniSubscription subscription) {
                    }

                    @Override
                    public void onItem(Void item) {
                        frameDone();
                    }

                    @Override
                    public void onFailure(Throwable failure) {
                        failures[index] = failure;
                        frameDone();
                    }
                };
            }

            private void frameDone() {
                if (remaining.decrementAndGet() == 0) {
                    done.complete(written(failures));
                }
            }
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
