package io.longlink.credentials;

import java.time.Instant;

/** A bearer token and when it expires ({@code expiresAt} null: the endpoint did not say). Never logged. */
public record AccessToken(String value, Instant expiresAt) {

    @Override
    public String toString() {
        return "AccessToken[***, expiresAt=" + expiresAt + "]";
    }
}
