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
 * re-resolves to a private address later is caught; and the connect dials the very address checked
 * ({@link #pin}), so a name that resolves differently a moment later (DNS rebinding) cannot slip through between the
 * check and the connect. Resolving blocks: call it off the event loop.
 */
public final class UpstreamPolicy {

    /** Resolves a host name to its addresses: the system's resolver, or a test's. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final boolean denyPrivate;
    private final ConnectionScope allowed;
    private final Resolver resolver;

    public UpstreamPolicy(LonglinkConfig.Upstreams config) {
        this(config.denyPrivate(), config.allowedHosts().orElse(List.of()), InetAddress::getAllByName);
    }

    UpstreamPolicy(boolean denyPrivate, List<String> allowedHosts) {
        this(denyPrivate, allowedHosts, InetAddress::getAllByName);
    }

    UpstreamPolicy(boolean denyPrivate, List<String> allowedHosts, Resolver resolver) {
        this.denyPrivate = denyPrivate;
        // the same glob syntax as connection patterns: * any run of characters, ? one character
        this.allowed = ConnectionScope.of(allowedHosts.stream().map(String::toLowerCase).toList());
        this.resolver = resolver;
    }

    /**
     * Refuses with {@link UpstreamNotAllowedException} when {@code url}'s host may not be reached; a name that does
     * not resolve now passes (the connect checks again).
     */
    public void check(URI url) {
        try {
            pin(url);
        } catch (UnknownHostException e) {
            // nothing to check yet: the connect will find the name unresolvable (OFFLINE) and check again
        }
    }

    /**
     * Checks {@code url}'s host as {@link #check} does and returns the address the connect must dial: the first of
     * the addresses that passed (or of those resolved, for a host in {@code allowed-hosts}), so the name is not
     * resolved a second time. Null with {@code deny-private=false}: nothing is checked, the connect dials the name.
     * {@link UnknownHostException} when the name does not resolve.
     */
    public InetAddress pin(URI url) throws UnknownHostException {
        String host = url.getHost();
        if (host == null) {
            throw new UpstreamNotAllowedException("the URL has no host");
        }
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!denyPrivate) {
            return null;
        }
        InetAddress[] addresses = resolver.resolve(bare);
        if (addresses.length == 0) {
            throw new UnknownHostException(bare);
        }
        if (allowed.allows(bare.toLowerCase())) {
            return addresses[0];
        }
        for (InetAddress address : addresses) {
            String kind = forbiddenKind(address);
            if (kind != null) {
                throw new UpstreamNotAllowedException(bare + " resolves to a " + kind + " address ("
                        + address.getHostAddress() + "); add it to longlink.upstreams.allowed-hosts to allow it");
            }
        }
        return addresses[0];
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
