package io.longlink.credentials;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.longlink.session.Template;
import io.quarkus.logging.Log;

/**
 * The OAuth2 token of one connection: {@link #current} hands out the held token while it is good for more than the
 * expiry margin, and otherwise fetches a new one from the {@link TokenEndpoint} (one request at a time; concurrent
 * callers share it), expanding the client id, secret and scope templates afresh for every request. {@link #refresh}
 * drops the held token after the upstream rejected it, so the next handshake fetches a new one.
 *
 * <p>All mutable state is guarded by {@code this}; the endpoint is called and callers are completed outside the
 * lock. Neither the token nor the secret is ever logged.
 */
public final class OAuth2Tokens {

    private final String connectionId;
    private final Template clientId;
    private final Template clientSecret;
    /** Null when no scope is asked for. */
    private final Template scope;
    private final Duration expiryMargin;
    private final TokenEndpoint endpoint;
    private final Clock clock;

    /** The token handed out, or null when none is held. */
    private AccessToken held;
    /** The request in flight, or null. */
    private CompletableFuture<String> fetching;

    public OAuth2Tokens(String connectionId, Template clientId, Template clientSecret, Template scope,
            Duration expiryMargin, TokenEndpoint endpoint, Clock clock) {
        this.connectionId = connectionId;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.scope = scope;
        this.expiryMargin = expiryMargin;
        this.endpoint = endpoint;
        this.clock = clock;
    }

    /** The token to send with the next handshake: the held one while good, a new one otherwise. */
    public CompletionStage<String> current(Template.Values values) {
        CompletableFuture<String> mine;
        synchronized (this) {
            if (held != null && (held.expiresAt() == null
                    || held.expiresAt().isAfter(clock.instant().plus(expiryMargin)))) {
                return CompletableFuture.completedFuture(held.value());
            }
            if (fetching != null) {
                return fetching;
            }
            mine = new CompletableFuture<>();
            fetching = mine;
        }
        ClientCredentials credentials;
        try {
            credentials = new ClientCredentials(clientId.expand(values), clientSecret.expand(values),
                    scope == null ? null : scope.expand(values));
        } catch (Template.ExpansionException e) {
            finish(mine, null, new CredentialsException("auth.oauth2: " + e.getMessage()));
            return mine;
        }
        try {
            endpoint.fetch(credentials).whenComplete((token, failure) -> finish(mine, token, failure));
        } catch (RuntimeException e) {
            finish(mine, null, e);
        }
        return mine;
    }

    /** The upstream rejected the held token: the next handshake fetches a new one. */
    public synchronized void refresh() {
        held = null;
    }

    /** When the held token expires; null when none is held or it has no expiry. */
    public synchronized Instant expiresAt() {
        return held == null ? null : held.expiresAt();
    }

    private void finish(CompletableFuture<String> request, AccessToken token, Throwable failure) {
        synchronized (this) {
            if (fetching == request) {
                fetching = null;
            }
            if (failure == null) {
                held = token;
            }
        }
        if (failure == null) {
            Log.debugf("[%s] new OAuth2 token, expires at %s", connectionId, token.expiresAt());
            request.complete(token.value());
        } else {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure;
            request.completeExceptionally(cause instanceof CredentialsException ? cause
                    : new CredentialsException("oauth2: token request failed"));
        }
    }
}
