package io.longlink.credentials;

/** The expanded client id, secret and scope of one token request; {@link #toString()} hides the secret. */
public record ClientCredentials(String clientId, String clientSecret, String scope) {

    @Override
    public String toString() {
        return "ClientCredentials[clientId=" + clientId + ", clientSecret=***, scope=" + scope + "]";
    }
}
