package io.longlink.connection;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;

import io.longlink.config.LonglinkConfig;
import io.longlink.security.ConnectionScope;

/**
 * Where connections created over HTTP may go ({@code longlink.upstreams.*}): with {@code deny-private} (the
 * default) a host that resolves to a loopback, link-local (169.254.0.0/16 with the cloud metadata address,
 * fe80::/10), private (10/8, 172.16/12, 192.168/16, fc00::/7) or unspecified address is refused unless it matches
 * {@code allowed-hosts}. Checked when the connection is created and again before every connect, so a name that
 * re-resolves to a private address later is caught. Resolving blocks: call it off the event loop.
 */
public final class UpstreamPolicy {

    private final boolean denyPrivate;
    private final ConnectionScope allowed;

    public UpstreamPolicy(LonglinkConfig.Upstreams config) {
        this(config.denyPrivate(), config.allowedHosts().orElse(List.of()));
    }

    UpstreamPolicy(boolean denyPrivate, List<String> allowedHosts) {
        this.denyPrivate = denyPrivate;
        // the same glob syntax as connection patterns: * any run of characters, ? one character
        this.allowed = ConnectionScope.of(allowedHosts.stream().map(String::toLowerCase).toList());
    }

    /** Refuses with {@link UpstreamNotAllowedException} when {@code url}'s host may not be reached. */
    public void check(URI url) {
        String host = url.getHost();
        if (host == null) {
            throw new UpstreamNotAllowedException("the URL has no host");
        }
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!denyPrivate || allowed.allows(bare.toLowerCase())) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            // nothing to check yet: the connect will find the name unresolvable (OFFLINE) and check again
            return;
        }
        for (InetAddress address : addresses) {
            String kind = forbiddenKind(address);
            if (kind != null) {
                throw new UpstreamNotAllowedException(bare + " resolves to a " + kind + " address ("
                        + address.getHostAddress() + "); add it to longlink.upstreams.allowed-hosts to allow it");
            }
        }
    }

    /** What kind of address may not be reached, or null when it may. */
    static String forbiddenKind(InetAddress address) {
        if (address.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (address.isLoopbackAddress()) {
            return "loopback";
        }
        if (address.isLinkLocalAddress()) {
            return "link-local";
        }
        if (address.isSiteLocalAddress()) {
            return "private";
        }
        if (address instanceof Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc) {
            return "private";
        }
        return null;
    }
}
