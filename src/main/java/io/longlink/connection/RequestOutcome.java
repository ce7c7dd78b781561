package io.longlink.connection;

/**
 * How a request ({@code POST /connections/{id}/requests}) ended, as the metrics tag it ({@link #tag()}). Every outcome
 * but {@link #REPLIED} is an error the HTTP layer answers with the problem type of the same name.
 */
public enum RequestOutcome {
    /** The reply came: 200 with the reply. */
    REPLIED("replied"),
    /** Written, but no reply came in time: 504; the outcome is unknown and it is never re-sent. */
    REPLY_TIMEOUT("reply-timeout"),
    /** Written, then its socket ended before the reply: 502; the outcome is unknown and it is never re-sent. */
    SOCKET_LOST("socket-lost"),
    /** Not written within the timeout (no socket ready): 503; withdrawn, it will never be written. */
    NOT_SENT("not-sent"),
    /** {@code requests.max-in-flight} requests wait already: 503, nothing was sent. */
    TOO_MANY_REQUESTS("too-many-requests"),
    /** A request with the same id is in flight: 409, nothing was sent. */
    DUPLICATE_REQUEST_ID("duplicate-request-id");

    private final String tag;

    RequestOutcome(String tag) {
        this.tag = tag;
    }

    /** The outcome's name in metrics and problem types, e.g. {@code reply-timeout}. */
    public String tag() {
        return tag;
    }
}
