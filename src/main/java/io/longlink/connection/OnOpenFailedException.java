package io.longlink.connection;

/** An on-open step failed (no matching reply in time, or its frame could not be sent); counts as a failed attempt. */
final class OnOpenFailedException extends RuntimeException {

    OnOpenFailedException(String reason) {
        super(reason, null, false, false);
    }
}
