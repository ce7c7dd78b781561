package io.longlink.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

/**
 * A JSON-RPC 2.0 upstream of the kind Ethereum nodes and exchange order-entry APIs are: every request
 * {@code {"jsonrpc":"2.0","id":...,"method":...,"params":...}} is answered {@code {"jsonrpc":"2.0","id":...,"result":<params>}}
 * according to its method:
 * <ul>
 * <li>{@code echo}: at once, or, while {@link #holdReplies} is above 0, held until that many echo requests came, then
 * all answered in a shuffled order (out of order);</li>
 * <li>{@code late}: after {@code params.delayMs} milliseconds;</li>
 * <li>{@code never}: never;</li>
 * <li>{@code kill}: the TCP connection is dropped at once, no reply, no close frame.</li>
 * </ul>
 * Anything that is not a request (an outbox message) is only recorded, by the server, like every frame.
 */
public final class JsonRpcProtocol {

    /** Echo replies wait until this many echo requests came (0: each is answered at once). */
    public volatile int holdReplies;
    /** The id of every request, in arrival order. */
    public final List<Object> requestIds = new CopyOnWriteArrayList<>();

    private final Vertx vertx;
    private final List<Runnable> held = new ArrayList<>();
    private final Random shuffle = new Random(29);

    JsonRpcProtocol(Vertx vertx) {
        this.vertx = vertx;
    }

    void received(ServerWebSocket ws, HttpConnection connection, String text) {
        JsonObject request = parse(text);
        if (request == null || request.getString("method") == null) {
            return;
        }
        Object id = request.getValue("id");
        requestIds.add(id);
        Object params = request.getValue("params");
        String reply = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", params).encode();
        switch (request.getString("method")) {
            case "echo" -> echo(ws, reply);
            case "late" -> vertx.setTimer(Math.max(1, ((JsonObject) params).getLong("delayMs")),
                    t -> write(ws, reply));
            case "kill" -> connection.close();
            default -> {
                // "never": no reply
            }
        }
    }

    private void echo(ServerWebSocket ws, String reply) {
        List<Runnable> release = null;
        synchronized (held) {
            if (holdReplies <= 0) {
                release = List.of(() -> write(ws, reply));
            } else {
                held.add(() -> write(ws, reply));
                if (held.size() >= holdReplies) {
                    release = new ArrayList<>(held);
                    Collections.shuffle(release, shuffle);
                    held.clear();
                }
            }
        }
        if (release != null) {
            release.forEach(Runnable::run);
        }
    }

    private static void write(ServerWebSocket ws, String text) {
        if (!ws.isClosed()) {
            ws.writeTextMessage(text);
        }
    }

    private static JsonObject parse(String text) {
        try {
            return new JsonObject(text);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
