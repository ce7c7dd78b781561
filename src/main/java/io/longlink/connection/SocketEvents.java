package io.longlink.connection;

/** What a socket reports, from the upstream towards its {@link Session}; called on the socket's event loop. */
interface SocketEvents {

    void textReceived(String text);

    void binaryReceived(byte[] bytes);

    void pongReceived();

    /** The socket closed, with the upstream's close code and reason ({@code code} null when none was given). */
    void closed(Integer code, String reason);

    /** The socket failed (a dropped TCP connection, a protocol error). */
    void failed(Throwable failure);
}
