package io.longlink.echo;

import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.vertx.core.buffer.Buffer;

/**
 * A built-in upstream that sends every frame back, so the whole loop (enqueue, send, receive, read) can be
 * tried with nothing else running. Served only when {@code longlink.echo.enabled} is true
 * ({@link EchoUpgradeCheck}); on in the dev profile, off by default.
 */
@WebSocket(path = "/echo", endpointId = EchoEndpoint.ID)
public class EchoEndpoint {

    static final String ID = "longlink-echo";

    @OnTextMessage
    String echo(String message) {
        return message;
    }

    @OnBinaryMessage
    Buffer echo(Buffer message) {
        return message;
    }
}
