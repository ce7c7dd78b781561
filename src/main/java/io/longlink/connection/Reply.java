package io.longlink.connection;

/**
 * The answer to a request: the id it carried (the caller's or the one longlink set), the reply's text as the upstream
 * sent it, and the time from the request's write to the reply's arrival.
 */
public record Reply(String requestId, String body, long roundTripNanos) {
}
