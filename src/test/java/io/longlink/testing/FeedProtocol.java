package io.longlink.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

/**
 * A feed upstream of the kind real market-data and chat servers are: a socket must first log in
 * ({@code {"op":"login","token":...}}, answered {@code {"event":"login","ok":true}} when the token is the
 * expected one and not at all otherwise), then subscribe ({@code {"op":"subscribe",...}}, answered
 * {@code {"event":"subscribed"}}); only then does it push data, and anything else sent before is a protocol
 * violation that drops the socket with 1008. A text {@code ping} is answered {@code pong} unless
 * {@link #answerTextPings} is off; protocol pings are always answered (by Vert.x).
 */
public final class FeedProtocol {

    private enum Stage {
        NEW, LOGGED_IN, SUBSCRIBED
    }

    /** The token a login must carry; null accepts any. */
    public volatile String expectedToken;
    /** Whether a text {@code ping} gets a {@code pong}. */
    public volatile boolean answerTextPings = true;
    /** Messages that came before login and subscribe were done, with what was wrong. */
    public final List<String> violations = new CopyOnWriteArrayList<>();
    /** Every subscribe message received, in order. */
    public final List<JsonObject> subscriptions = new CopyOnWriteArrayList<>();
    /** Every login message received, in order. */
    public final List<JsonObject> logins = new CopyOnWriteArrayList<>();
    /** Data messages (anything after subscribe but pings), in order. */
    public final List<String> data = new CopyOnWriteArrayList<>();

    private final Map<ServerWebSocket, Stage> stages = new ConcurrentHashMap<>();

    void received(ServerWebSocket ws, String text) {
        Stage stage = stages.getOrDefault(ws, Stage.NEW);
        if ("ping".equals(text)) {
            if (answerTextPings && !ws.isClosed()) {
                ws.writeTextMessage("pong");
            }
            return;
        }
        JsonObject message = parse(text);
        String op = message == null ? null : message.getString("op");
        switch (stage) {
            case NEW -> {
                if (!"login".equals(op)) {
                    violate(ws, "before login: " + text);
                    return;
                }
                logins.add(message);
                String token = expectedToken;
                if (token == null || token.equals(message.getString("token"))) {
                    stages.put(ws, Stage.LOGGED_IN);
                    ws.writeTextMessage("{\"event\":\"login\",\"ok\":true}");
                }
            }
            case LOGGED_IN -> {
                if (!"subscribe".equals(op)) {
                    violate(ws, "before subscribe: " + text);
                    return;
                }
                subscriptions.add(message);
                stages.put(ws, Stage.SUBSCRIBED);
                ws.writeTextMessage("{\"event\":\"subscribed\"}");
            }
            case SUBSCRIBED -> data.add(text);
        }
    }

    /** Sockets that completed login and subscribe and are still open. */
    public long subscribedSockets() {
        return stages.entrySet().stream().filter(e -> e.getValue() == Stage.SUBSCRIBED && !e.getKey().isClosed())
                .count();
    }

    /** Pushes {@code {"offset":N,"data":...}} to every subscribed socket. */
    public void push(long offset, String payload) {
        String text = new JsonObject().put("offset", offset).put("data", payload).encode();
        stages.forEach((ws, stage) -> {
            if (stage == Stage.SUBSCRIBED && !ws.isClosed()) {
                ws.writeTextMessage(text);
            }
        });
    }

    private void violate(ServerWebSocket ws, String what) {
        violations.add(what);
        ws.close((short) 1008, "protocol violation");
    }

    private static JsonObject parse(String text) {
        try {
            return new JsonObject(text);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
