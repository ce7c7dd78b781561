package io.longlink.connection;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The far end of one connection, as the connection's lifecycle needs it: open a socket, or check cheaply whether
 * the network reaches the upstream at all. {@link WebSocketUpstream} is the real thing; tests hand in a fake so
 * the whole lifecycle runs on fake time.
 */
interface Upstream {

    /**
     * Opens one socket (TCP connect plus WebSocket handshake, sending {@code headers}) whose frames and end are
     * reported to {@code events}. The stage fails with the connect or handshake failure; it has no deadline of its
     * own (the session keeps one).
     */
    CompletionStage<UpstreamSocket> connect(Map<String, String> headers, SocketEvents events);

    /**
     * Succeeds when the upstream's host answers at the network level (a TCP connection, or a refusal, which also
     * proves the route exists); fails with the reason otherwise.
     */
    CompletionStage<Void> probe();
}
