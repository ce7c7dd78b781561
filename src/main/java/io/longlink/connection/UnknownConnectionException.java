package io.longlink.connection;

/** No connection with that id is configured. */
public class UnknownConnectionException extends RuntimeException {

    private final String connectionId;

    public UnknownConnectionException(String connectionId) {
        super("no connection '" + connectionId + "' is configured", null, false, false);
        this.connectionId = connectionId;
    }

    public String connectionId() {
        return connectionId;
    }
}
