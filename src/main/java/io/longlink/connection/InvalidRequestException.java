package io.longlink.connection;

/** A request body that cannot be sent as a request (not JSON, or no place for its id): nothing was sent. */
public final class InvalidRequestException extends IllegalArgumentException {

    public InvalidRequestException(String detail) {
        super(detail);
    }
}
