package io.longlink.connection;

/** A session ended before it was ready (the socket dropped during the handshake, or it was aborted). */
final class SessionEndedException extends RuntimeException {

    SessionEndedException(String reason) {
        super(reason, null, false, false);
    }
}
