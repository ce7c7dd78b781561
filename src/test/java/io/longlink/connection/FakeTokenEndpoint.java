package io.longlink.connection;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import io.longlink.credentials.AccessToken;
import io.longlink.credentials.ClientCredentials;
import io.longlink.credentials.CredentialsException;
import io.longlink.credentials.TokenEndpoint;

/** A token endpoint on fake time: issues {@code tok-1}, {@code tok-2}, ... living {@link #lifetime}, or fails. */
final class FakeTokenEndpoint implements TokenEndpoint {

    private final Clock clock;
    final List<ClientCredentials> requests = new CopyOnWriteArrayList<>();
    volatile Duration lifetime = Duration.ofMinutes(5);
    volatile boolean failing;

    FakeTokenEndpoint(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletionStage<AccessToken> fetch(ClientCredentials credentials) {
        requests.add(credentials);
        if (failing) {
            return CompletableFuture.failedFuture(new CredentialsException("oauth2: token request failed: 500"));
        }
        return CompletableFuture.completedFuture(
                new AccessToken("tok-" + requests.size(), clock.instant().plus(lifetime)));
    }
}
