package io.longlink.connection;

/** The upstream's answer ends the reconnect cycle at once ({@link RejectionPolicy.Action#FAIL}): no retry. */
final class FatalRejectionException extends RuntimeException {

    FatalRejectionException(String error, Throwable cause) {
        super(error, cause, false, false);
    }
}
