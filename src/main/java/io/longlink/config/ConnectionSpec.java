package io.longlink.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.longlink.connection.UrlRedactor;

/**
 * A connection's settings as JSON, the body of {@code PUT /connections/{id}}: the per-connection configuration
 * keys nested by their dots ({@code {"url": ..., "reconnect": {"max-attempts": 5}, "headers": {...},
 * "on-open": [{"text": ..., "expect": ...}]}}). Turned into the flat keys {@link ConnectionSettings} reads, so a
 * runtime connection goes through the same mapping and checks as a configured one.
 */
public final class ConnectionSpec {

    /** Keys whose values are secrets wherever they appear: shown as {@code ***}. */
    private static final Set<String> SECRET_KEYS = Set.of("client-secret", "secret", "password");
    /** Keys that are lists in the configuration but arrays of scalars in JSON. */
    private static final Set<String> COMMA_LISTS = Set.of("subprotocols", "fatal-statuses", "fatal-close-codes");
    private static final String MASK = "***";

    private ConnectionSpec() {
    }

    /**
     * The flat keys of a spec ({@code reconnect.max-attempts=5}, {@code on-open[0].text=...}); a value that is not
     * a string, number, boolean, object or array of those is a problem of its pointer.
     */
    public static Map<String, String> keys(JsonNode spec) {
        if (spec == null || !spec.isObject()) {
            throw new ConnectionSettings.InvalidSettingsException(
                    List.of(new ConnectionSettings.Problem("", "the spec must be a JSON object")));
        }
        Map<String, String> keys = new LinkedHashMap<>();
        flatten("", spec, keys);
        return keys;
    }

    private static void flatten(String key, JsonNode node, Map<String, String> keys) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                flatten(key.isEmpty() ? field.getKey() : key + "." + field.getKey(), field.getValue(), keys);
            }
        } else if (node.isArray() && COMMA_LISTS.contains(last(key))) {
            StringBuilder list = new StringBuilder();
            node.forEach(item -> list.append(list.isEmpty() ? "" : ",").append(item.asText()));
            keys.put(key, list.toString());
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(key + "[" + i + "]", node.get(i), keys);
            }
        } else if (node.isNull()) {
            // an explicit null means "the default": no key
        } else {
            keys.put(key, node.asText());
        }
    }

    private static String last(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? key : key.substring(dot + 1);
    }

    /** The JSON Pointer of a flat key: {@code on-open[1].expect} is {@code /on-open/1/expect}. */
    public static String pointer(String key) {
        if (key.isEmpty()) {
            return "";
        }
        return "/" + key.replaceAll("\\[(\\d+)]", ".$1").replace("~", "~0").replace("/", "~1").replace('.', '/');
    }

    /** A copy fit to show: header values, secrets and credentials in URLs as {@code ***}. */
    public static JsonNode redacted(JsonNode spec) {
        JsonNode copy = spec.deepCopy();
        redact(copy, null);
        return copy;
    }

    private static void redact(JsonNode node, String parentKey) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                String name = field.getKey();
                JsonNode value = field.getValue();
                if ("headers".equals(name) && value instanceof ObjectNode headers) {
                    headers.fieldNames().forEachRemaining(h -> headers.put(h, MASK));
                } else if (SECRET_KEYS.contains(name) && value.isValueNode()) {
                    object.put(name, MASK);
                } else if (("url".equals(name) || "token-url".equals(name)) && value.isTextual()) {
                    object.put(name, redactUrl(value.asText()));
                } else {
                    redact(value, name);
                }
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(item -> redact(item, parentKey));
        }
    }

    private static String redactUrl(String url) {
        try {
            return UrlRedactor.redact(java.net.URI.create(url));
        } catch (IllegalArgumentException e) {
            return MASK;
        }
    }

    /** A strong entity tag of the spec: the same JSON (field order aside) gives the same tag. */
    public static String etag(JsonNode spec) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(keys(spec).entrySet().stream().sorted(Map.Entry.comparingByKey())
                            .map(e -> e.getKey() + "=" + e.getValue()).reduce("", (a, b) -> a + "\n" + b)
                            .getBytes(StandardCharsets.UTF_8));
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
