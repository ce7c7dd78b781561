package io.longlink.credentials;

import java.util.concurrent.CompletionStage;

/**
 * Where a connection's OAuth2 tokens come from (grant {@code client_credentials}). {@link OidcTokenEndpoint} is the
 * real one; tests hand in a fake so the credential refresh runs on fake time.
 */
public interface TokenEndpoint {

    /** Requests a new token; fails with a {@link CredentialsException} whose message holds no secret. */
    CompletionStage<AccessToken> fetch(ClientCredentials credentials);
}
