package io.longlink.connection;

/**
 * A failed attempt whose rejection changes what comes next ({@link RejectionPolicy.Decision}): carried through the
 * reconnect guard to the delay it chooses. The cause is the attempt's failure.
 */
final class RejectedAttemptException extends RuntimeException {

    private final transient RejectionPolicy.Decision decision;

    RejectedAttemptException(RejectionPolicy.Decision decision, Throwable cause) {
        super(cause.getMessage(), cause, false, false);
        this.decision = decision;
    }

    RejectionPolicy.Decision decision() {
        return decision;
    }
}
