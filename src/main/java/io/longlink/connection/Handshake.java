package io.longlink.connection;

import java.util.Map;

/**
 * What one attempt sends with its WebSocket handshake, expanded afresh for it: headers, and query parameters added
 * to the upstream URL (an OAuth2 token with {@code auth.oauth2.query-param}). Holds secrets: never logged or shown.
 */
record Handshake(Map<String, String> headers, Map<String, String> queryParameters) {

    Handshake {
        headers = Map.copyOf(headers);
        queryParameters = Map.copyOf(queryParameters);
    }

    static Handshake withHeaders(Map<String, String> headers) {
        return new Handshake(headers, Map.of());
    }

    @Override
    public String toString() {
        return "Handshake" + headers.keySet() + queryParameters.keySet();
    }
}
