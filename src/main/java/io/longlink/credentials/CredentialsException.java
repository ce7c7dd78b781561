package io.longlink.credentials;

/**
 * Credentials for a handshake could not be had (the token endpoint failed, a template of the client id or secret
 * could not be expanded). The attempt fails with this message, which never holds a secret, and is retried with
 * backoff like an upstream that is down. No cause is kept, so nothing of the request leaks through it.
 */
public final class CredentialsException extends RuntimeException {

    public CredentialsException(String message) {
        super(message, null, false, false);
    }
}
