package io.longlink.connection;

/** A runtime connection's upstream is refused by {@link UpstreamPolicy}: 400 {@code upstream-not-allowed}, or FAILED at connect. */
public final class UpstreamNotAllowedException extends RuntimeException {

    public UpstreamNotAllowedException(String message) {
        super("upstream not allowed: " + message, null, false, false);
    }
}
