package io.longlink.connection;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.SSLException;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.resolver.dns.DnsNameResolverException;
import io.vertx.core.http.UpgradeRejectedException;

/**
 * Tells "the network is gone" apart from "the upstream is down", from the exception types that the JDK, Netty
 * and Vert.x raise for a failed connect. The whole cause chain is searched, outermost first, so wrappers
 * (Mutiny, {@code CompletionException}, {@link NetworkUnreachableException}) do not hide the cause.
 *
 * <p>What Vert.x 4.5.27 on the NIO transport actually raises, for a plain TCP connect ({@code NetClient}) and a
 * WebSocket handshake alike (each row is reproduced by a real connection attempt in
 * {@code FailureClassifierTest}):
 *
 * <table>
 * <caption>connect failure to classification</caption>
 * <tr><th>situation (errno)</th><th>raised (cause)</th><th>means</th></tr>
 * <tr><td>name does not resolve, JDK resolver (Quarkus' default, {@code quarkus.vertx.use-async-dns=false})</td>
 * <td>{@link UnknownHostException} "h: Name or service not known", no cause</td><td>offline</td></tr>
 * <tr><td>name does not resolve (NXDOMAIN), Netty resolver (async DNS)</td><td>{@link UnknownHostException}
 * "Failed to resolve 'h'" (Netty {@code DnsErrorCauseException})</td><td>offline</td></tr>
 * <tr><td>name server silent, Netty resolver</td><td>{@link UnknownHostException} ({@code DnsNameResolverTimeoutException}, a
 * {@link DnsNameResolverException})</td><td>offline</td></tr>
 * <tr><td>no route at all, interface down (ENETUNREACH)</td><td>Netty {@code AnnotatedSocketException}
 * "Network is unreachable: /a:p" (plain {@link SocketException}: the JDK has no subclass for it)</td>
 * <td>offline</td></tr>
 * <tr><td>host unreachable, unreachable route or no ARP answer (EHOSTUNREACH)</td><td>Netty
 * {@code AnnotatedNoRouteToHostException} ({@link NoRouteToHostException})</td><td>offline</td></tr>
 * <tr><td>nothing listens (ECONNREFUSED)</td><td>Netty {@code AnnotatedConnectException} "Connection refused"
 * ({@link ConnectException})</td><td>upstream down; also a {@linkplain #isRefusal refusal}</td></tr>
 * <tr><td>no SYN-ACK within the connect timeout</td><td>{@link ConnectTimeoutException} (a
 * {@link ConnectException})</td><td>upstream down</td></tr>
 * <tr><td>handshake answered with an HTTP status</td><td>{@link UpgradeRejectedException}</td>
 * <td>upstream down</td></tr>
 * <tr><td>no handshake within {@code connect-timeout}</td><td>the service's own
 * {@link java.util.concurrent.TimeoutException}</td><td>upstream down</td></tr>
 * <tr><td>anything else</td><td></td><td>upstream down</td></tr>
 * </table>
 *
 * <p>Upstream down means {@code RECONNECTING} with backoff; offline means {@code OFFLINE} with the reachability
 * probe. A socket lost while open is classified through the reconnect attempt that follows at once: it reaches
 * the upstream (or is refused) when only the upstream died, and fails as offline when the network went away.
 */
final class FailureClassifier {

    private FailureClassifier() {
    }

    /** The failure says the network, not the upstream, is gone: name resolution or routing failed. */
    static boolean isNetworkUnreachable(Throwable failure) {
        for (Throwable t : causes(failure)) {
            if (t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || t instanceof DnsNameResolverException) {
                return true;
            }
            if (t instanceof ConnectException || t instanceof UpgradeRejectedException) {
                return false;
            }
            if (t instanceof SocketException && contains(t, "network is unreachable")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The host answered a connect with a refusal (RST): the route exists, so the network is there even though
     * nothing listens. A timed-out connect is not a refusal.
     */
    static boolean isRefusal(Throwable failure) {
        return !isNetworkUnreachable(failure) && causes(failure).stream()
                .anyMatch(t -> t instanceof ConnectException && !(t instanceof ConnectTimeoutException)
                        && contains(t, "refused"));
    }

    /**
     * What the upstream answered, for the {@link RejectionPolicy}: the handshake's HTTP status and its
     * {@code Retry-After} header (Vert.x keeps the rejected response's headers on the
     * {@link UpgradeRejectedException}, and WebSockets Next passes that exception through), else the close code the
     * session ended with ({@code closeCode}, null when none).
     */
    static RejectionPolicy.Rejection rejection(Throwable failure, Integer closeCode) {
        for (Throwable t : causes(failure)) {
            if (t instanceof UpgradeRejectedException rejected) {
                return RejectionPolicy.Rejection.status(rejected.getStatus(),
                        rejected.getHeaders() == null ? null : rejected.getHeaders().get("Retry-After"));
            }
        }
        return RejectionPolicy.Rejection.closeCode(closeCode);
    }

    /**
     * A proxy answered the connect with an error of its own (it could not reach the upstream, or refused the
     * credentials): the route to the proxy exists.
     */
    static boolean isProxyAnswer(Throwable failure) {
        return causes(failure).stream().anyMatch(t -> t instanceof ProxyConnectException && contains(t, "status:"));
    }

    /** A short human description, without class names. */
    static String describe(Throwable failure) {
        for (Throwable t : causes(failure)) {
            if (t instanceof UpgradeRejectedException rejected) {
                return "handshake rejected with HTTP status " + rejected.getStatus();
            }
            if (t instanceof UnknownHostException) {
                return "unknown host: " + messageOf(t);
            }
            if (t instanceof ProxyConnectException) {
                return "proxy: " + messageOf(t);
            }
            if (t instanceof SSLException) {
                return "tls: " + tlsReason(t);
            }
        }
        List<Throwable> chain = causes(failure);
        Throwable root = chain.get(chain.size() - 1);
        String message = root.getMessage() != null ? root.getMessage() : failure.getMessage();
        if (message == null || message.isBlank()) {
            message = "no detail";
        }
        if (root instanceof ConnectException) {
            return "connect failed: " + message;
        }
        return message;
    }

    /** The failure and its causes, outermost first; a cause that points to itself ends the chain. */
    private static List<Throwable> causes(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** The innermost message of a TLS failure, without the class names the JDK puts in front of it. */
    private static String tlsReason(Throwable ssl) {
        List<Throwable> chain = causes(ssl);
        String message = null;
        for (int i = chain.size() - 1; i >= 0 && message == null; i--) {
            String m = chain.get(i).getMessage();
            if (m != null && !m.isBlank()) {
                message = m;
            }
        }
        if (message == null) {
            return "handshake failed";
        }
        int colon = message.lastIndexOf(": ");
        // "PKIX path building failed: sun.security...SunCertPathBuilderException: unable to find ..." keeps the end
        return colon >= 0 && message.substring(0, colon).matches(".*[a-z]+\\.[a-z]+\\.[A-Za-z.]*Exception.*")
                ? message.substring(colon + 2)
                : message;
    }

    private static boolean contains(Throwable t, String text) {
        return t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains(text);
    }

    private static String messageOf(Throwable t) {
        return t.getMessage() == null || t.getMessage().isBlank() ? "no detail" : t.getMessage();
    }
}
