package io.longlink.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** An API key as the caller presented it, on its way from {@link ApiCredentialsMechanism} to {@link ApiKeyIdentityProvider}. */
final class ApiKeyAuthenticationRequest extends BaseAuthenticationRequest {

    private final String key;

    ApiKeyAuthenticationRequest(String key) {
        this.key = key;
    }

    String key() {
        return key;
    }

    /** Never the key: requests can end up in debug output. */
    @Override
    public String toString() {
        return "ApiKeyAuthenticationRequest";
    }
}
