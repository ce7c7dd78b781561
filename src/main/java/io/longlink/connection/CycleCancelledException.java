package io.longlink.connection;

/**
 * Ends a reconnect cycle that was superseded (the operator closed, or a newer cycle started) without
 * counting as a failed attempt. The retry policy aborts on it.
 */
final class CycleCancelledException extends RuntimeException {

    CycleCancelledException() {
        super("reconnect cycle superseded", null, false, false);
    }
}
