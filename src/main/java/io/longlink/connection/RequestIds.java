package io.longlink.connection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.filter.FilteringParserDelegate;
import com.fasterxml.jackson.core.filter.JsonPointerBasedFilter;
import com.fasterxml.jackson.core.filter.TokenFilter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.longlink.config.LonglinkConfig;
import io.longlink.session.SessionPlan;

/**
 * Where a connection's requests carry their id ({@code requests.id-pointer}) and its replies echo it
 * ({@code requests.reply-pointer}), checked and compiled once from the settings. Immutable and thread-safe.
 *
 * <p>An id is a scalar at the pointer, compared by its text: a string by its content, a number or boolean in its
 * JSON spelling (so a reply that echoes {@code 7} as {@code "7"} still matches). A JSON {@code null} there counts
 * as no id.
 */
final class RequestIds {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    /** A request ready to be written: its id, whether longlink chose it, and the frame's text. */
    record Identified(String id, boolean fresh, String text) {
    }

    private final JsonPointer idPointer;
    private final JsonPointer replyPointer;

    private RequestIds(JsonPointer idPointer, JsonPointer replyPointer) {
        this.idPointer = idPointer;
        this.replyPointer = replyPointer;
    }

    /** Compiles the settings; {@link SessionPlan.InvalidSettingException} names a bad key. */
    static RequestIds of(LonglinkConfig.Requests settings) {
        JsonPointer id = pointer("requests.id-pointer", settings.idPointer());
        JsonPointer reply = settings.replyPointer().map(p -> pointer("requests.reply-pointer", p)).orElse(id);
        if (settings.timeout().isNegative() || settings.timeout().isZero()) {
            throw new SessionPlan.InvalidSettingException("requests.timeout", "must be positive");
        }
        if (settings.maxTimeout().compareTo(settings.timeout()) < 0) {
            throw new SessionPlan.InvalidSettingException("requests.max-timeout",
                    "must be at least requests.timeout (" + DurationText.of(settings.timeout()) + ")");
        }
        if (settings.maxInFlight() < 1) {
            throw new SessionPlan.InvalidSettingException("requests.max-in-flight", "must be at least 1");
        }
        return new RequestIds(id, reply);
    }

    private static JsonPointer pointer(String key, String text) {
        if (text.isEmpty() || text.charAt(0) != '/') {
            throw new SessionPlan.InvalidSettingException(key,
                    "'" + text + "' is not a JSON Pointer (it starts with /, e.g. /id)");
        }
        try {
            return JsonPointer.compile(text);
        } catch (IllegalArgumentException e) {
            throw new SessionPlan.InvalidSettingException(key,
                    "'" + text + "' is not a JSON Pointer: " + e.getMessage());
        }
    }

    /**
     * The request in {@code body}: with an id at the id pointer, the body as it came; without one, the body with
     * {@code fresh}'s next number set there (missing parent objects created). {@link InvalidRequestException} when
     * the body is not JSON, its id is an object or an array, or there is no id and no place to set one.
     */
    Identified identify(byte[] body, LongSupplier fresh) {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException e) {
            throw new InvalidRequestException("the body is not JSON: " + firstLine(e.getMessage()));
        }
        if (tree == null || tree.isMissingNode()) {
            throw new InvalidRequestException("the body is empty; a request is a JSON document");
        }
        JsonNode id = tree.at(idPointer);
        if (id.isContainerNode()) {
            throw new InvalidRequestException("the id at " + idPointer + " is "
                    + (id.isObject() ? "an object" : "an array") + "; an id is a string or a number");
        }
        if (!id.isMissingNode() && !id.isNull()) {
            return new Identified(text(id), false, new String(body, StandardCharsets.UTF_8));
        }
        JsonNode parent = parentOf(tree);
        if (!(parent instanceof ObjectNode object)) {
            throw new InvalidRequestException("the body has no id at " + idPointer
                    + " and none can be set there: it is not inside a JSON object");
        }
        long number = fresh.getAsLong();
        object.put(idPointer.last().getMatchingProperty(), number);
        return new Identified(Long.toString(number), true, tree.toString());
    }

    /** The object that holds the id, created along the pointer where missing; null when something else is there. */
    private JsonNode parentOf(JsonNode tree) {
        JsonNode node = tree;
        for (JsonPointer step = idPointer; step.tail() != null && !step.tail().matches(); step = step.tail()) {
            if (!(node instanceof ObjectNode object)) {
                return null;
            }
            JsonNode next = object.get(step.getMatchingProperty());
            node = next == null || next.isNull() ? object.putObject(step.getMatchingProperty()) : next;
        }
        return node;
    }

    /**
     * The id a text message carries at the reply pointer, or null (not JSON, no scalar there). Reads only up to the
     * id: a JSON-RPC reply names it before its result.
     */
    String replyId(String text) {
        int start = 0;
        while (start < text.length() && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        if (start == text.length() || text.charAt(start) != '{' && text.charAt(start) != '[') {
            return null;
        }
        try (JsonParser parser = new FilteringParserDelegate(FACTORY.createParser(text),
                new JsonPointerBasedFilter(replyPointer), TokenFilter.Inclusion.ONLY_INCLUDE_ALL, false)) {
            JsonToken token = parser.nextToken();
            if (token == null || token.isStructStart() || token == JsonToken.VALUE_NULL) {
                return null;
            }
            return parser.getText();
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(JsonNode id) {
        return id.isTextual() ? id.textValue() : id.toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
