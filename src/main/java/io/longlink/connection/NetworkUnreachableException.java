package io.longlink.connection;

/**
 * A connection attempt failed because the network, not the upstream, is gone (see
 * {@link FailureClassifier}). It ends the reconnect cycle uncounted; the connection goes {@code OFFLINE}.
 */
final class NetworkUnreachableException extends RuntimeException {

    NetworkUnreachableException(Throwable cause) {
        super(FailureClassifier.describe(cause), cause, false, false);
    }
}
