package io.longlink.credentials;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.quarkus.logging.Log;
import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.OidcClientConfigBuilder;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.oidc.client.Tokens;

/**
 * A token endpoint reached with {@code quarkus-oidc-client}: one client per connection, created at run time with
 * {@link OidcClients#newClient} (discovery off, the configured {@code token-url} as the token path, client id and
 * secret sent with HTTP Basic, retries of its own at the least it accepts: the reconnect cycle is the retry). The client is made again
 * when the expanded client id, secret or scope changed (a rotated secret file), and the old one closed.
 *
 * <p>The token endpoint is reached through the connection's TLS configuration, and through its proxy when that is
 * an {@code http://} one (the OIDC client has no SOCKS support; with {@code socks5://} it goes direct).
 */
public final class OidcTokenEndpoint implements TokenEndpoint {

    private final OidcClients clients;
    private final String connectionId;
    private final URI tokenUrl;
    private final Duration timeout;
    private final Optional<String> tlsConfigurationName;
    /** Null when no HTTP proxy is used for the token endpoint. */
    private final URI httpProxy;

    /** The client made for {@code clientFor}; guarded by {@code this}. */
    private CompletionStage<OidcClient> client;
    private ClientCredentials clientFor;

    public OidcTokenEndpoint(OidcClients clients, String connectionId, URI tokenUrl, Duration timeout,
            Optional<String> tlsConfigurationName, Optional<URI> proxy) {
        this.clients = clients;
        this.connectionId = connectionId;
        this.tokenUrl = tokenUrl;
        this.timeout = timeout;
        this.tlsConfigurationName = tlsConfigurationName;
        this.httpProxy = proxy.filter(p -> "http".equalsIgnoreCase(p.getScheme())).orElse(null);
    }

    @Override
    public CompletionStage<AccessToken> fetch(ClientCredentials credentials) {
        return client(credentials)
                .thenCompose(c -> c.getTokens().subscribeAsCompletionStage())
                .handle((tokens, failure) -> {
                    if (failure != null) {
                        throw new CredentialsException("oauth2: token request to " + tokenUrl.getHost()
                                + " failed: " + describe(failure));
                    }
                    Long expiresAt = tokens.getAccessTokenExpiresAt();
                    return new AccessToken(tokens.getAccessToken(),
                            expiresAt == null ? null : Instant.ofEpochSecond(expiresAt));
                });
    }

    private synchronized CompletionStage<OidcClient> client(ClientCredentials credentials) {
        if (client != null && credentials.equals(clientFor)) {
            return client;
        }
        CompletionStage<OidcClient> old = client;
        if (old != null) {
            old.thenAccept(OidcTokenEndpoint::closeQuietly);
        }
        OidcClientConfigBuilder config = new OidcClientConfigBuilder()
                .id("longlink-" + connectionId)
                .authServerUrl(tokenUrl.getScheme() + "://" + tokenUrl.getRawAuthority())
                .discoveryEnabled(false)
                .tokenPath(tokenUrl.toString())
                // 1 is the least the OIDC client accepts (0 fails every request: Mutiny's atMost(0)); it retries
                // only a refused connection, once; everything else is the reconnect cycle's to retry
                .connectionRetryCount(1)
                .connectionTimeout(timeout)
                .clientId(credentials.clientId())
                .credentials().secret(credentials.clientSecret()).end();
        if (credentials.scope() != null && !credentials.scope().isBlank()) {
            config.scopes(credentials.scope().trim().split("\\s+"));
        }
        tlsConfigurationName.ifPresent(config::tlsConfigurationName);
        if (httpProxy != null) {
            String[] user = httpProxy.getRawUserInfo() == null ? new String[0]
                    : httpProxy.getUserInfo().split(":", 2);
            config.proxy(httpProxy.getHost(), httpProxy.getPort(), user.length > 0 ? user[0] : null,
                    user.length > 1 ? user[1] : null);
        }
        clientFor = credentials;
        CompletableFuture<OidcClient> made = clients.newClient(config.build()).subscribeAsCompletionStage();
        client = made;
        made.whenComplete((c, failure) -> {
            if (failure != null) {
                synchronized (this) {
                    if (client == made) {
                        client = null;
                        clientFor = null;
                    }
                }
            }
        });
        return made;
    }

    /** The failure's message, without the request (the OIDC client's messages hold no secrets). */
    private static String describe(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t
                && (t instanceof java.util.concurrent.CompletionException || t.getMessage() == null)) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? "no detail" : t.getMessage();
        return message.length() > 200 ? message.substring(0, 200) + "..." : message;
    }

    private static void closeQuietly(OidcClient client) {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            Log.debugf("closing an OIDC client failed: %s", e.getMessage());
        }
    }
}
