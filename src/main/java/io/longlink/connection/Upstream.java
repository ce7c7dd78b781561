package io.longlink.connection;

import java.util.concurrent.CompletionStage;

/**
 * The far end of one connection, as the connection's lifecycle needs it: open a socket, or check cheaply whether
 * the network reaches the upstream at all. {@link WebSocketUpstream} is the real thing; tests hand in a fake so
 * the whole lifecycle runs on fake time.
 */
interface Upstream {

    /**
     * Opens one socket (TCP connect, through the proxy when one is configured, plus WebSocket handshake, sending the
     * {@code handshake}'s headers and query parameters) whose frames and end are reported to {@code events}. The
     * stage fails with the connect or handshake failure; it has no deadline of its own (the session keeps one).
     */
    CompletionStage<UpstreamSocket> connect(Handshake handshake, SocketEvents events);

    /**
     * Succeeds when the upstream's host answers at the network level (a TCP connection, or a refusal, which also
     * proves the route exists); with a proxy, when the proxy answers (its route is the one the handshake takes);
     * fails with the reason otherwise.
     */
    CompletionStage<Void> probe();
}
