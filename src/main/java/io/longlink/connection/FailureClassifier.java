package io.longlink.connection;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Locale;

import io.netty.channel.ConnectTimeoutException;
import io.netty.resolver.dns.DnsNameResolverException;
import io.vertx.core.http.UpgradeRejectedException;

/**
 * Tells "the network is gone" apart from "the upstream is down", from the exception types the JDK, Netty and
 * Vert.x raise for a failed connect or a lost socket (the whole cause chain is searched):
 *
 * <ul>
 * <li>network unreachable: {@link UnknownHostException} (name does not resolve), Netty's
 * {@link DnsNameResolverException} (resolver timed out or failed), {@link NoRouteToHostException}
 * (EHOSTUNREACH), and a {@link SocketException} saying "Network is unreachable" (ENETUNREACH, which the JDK
 * raises as a plain {@code SocketException} and Netty re-throws as a subclass of it);</li>
 * <li>upstream down: {@link ConnectException} (refused), {@link UpgradeRejectedException} (handshake answered
 * with an HTTP status), {@link ConnectTimeoutException} and handshake timeouts, and anything else.</li>
 * </ul>
 */
final class FailureClassifier {

    private FailureClassifier() {
    }

    static boolean isNetworkUnreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || t instanceof DnsNameResolverException) {
                return true;
            }
            if (t instanceof ConnectException || t instanceof UpgradeRejectedException) {
                return false;
            }
            if (t instanceof SocketException && t.getMessage() != null
                    && t.getMessage().toLowerCase(Locale.ROOT).contains("network is unreachable")) {
                return true;
            }
        }
        return false;
    }

    /** A short human description, without class names. */
    static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UpgradeRejectedException rejected) {
                return "handshake rejected with HTTP status " + rejected.getStatus();
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() != null ? root.getMessage() : failure.getMessage();
        if (message == null || message.isBlank()) {
            message = "no detail";
        }
        if (root instanceof UnknownHostException) {
            return "unknown host: " + message;
        }
        if (root instanceof ConnectException) {
            return "connect failed: " + message;
        }
        return message;
    }
}
