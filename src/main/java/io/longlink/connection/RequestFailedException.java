package io.longlink.connection;

/**
 * A request got no reply: {@link #outcome()} says why and whether it was written; {@link #requestId()} is the id it
 * carried (null when it was refused before one was known). The message is a detail for people.
 */
public final class RequestFailedException extends RuntimeException {

    private final RequestOutcome outcome;
    private final String requestId;

    public RequestFailedException(RequestOutcome outcome, String requestId, String detail) {
        super(detail, null, false, false);
        this.outcome = outcome;
        this.requestId = requestId;
    }

    public RequestOutcome outcome() {
        return outcome;
    }

    public String requestId() {
        return requestId;
    }
}
