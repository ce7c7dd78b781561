package io.longlink.session;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Tells whether an inbound text message is the one a step or the heartbeat waits for. Three kinds, chosen by
 * prefix:
 * <ul>
 * <li>{@code json:<JSON Pointer>=<value>}: the message parses as JSON and the value at the pointer equals
 * {@code <value>}: a string by its content, {@code true}/{@code false}/a number/{@code null} in their JSON
 * spelling (objects and arrays never match);</li>
 * <li>{@code regex:<Java regex>}: found anywhere in the message;</li>
 * <li>{@code text:<exact text>}: the whole message.</li>
 * </ul>
 * Binary messages never match. Immutable and thread-safe; {@link #parse} refuses a bad specification with a
 * message that says why.
 */
public abstract sealed class Matcher {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String spec;

    private Matcher(String spec) {
        this.spec = spec;
    }

    /** Whether this inbound text message matches. */
    public abstract boolean matches(String text);

    /** The specification as configured, for messages such as {@code no message matching json:/event=subscribed}. */
    @Override
    public String toString() {
        return spec;
    }

    /** Parses a specification; {@link IllegalArgumentException} says what is wrong with it. */
    public static Matcher parse(String spec) {
        if (spec.startsWith("json:")) {
            String body = spec.substring("json:".length());
            int eq = body.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("a json: matcher is json:<JSON Pointer>=<value>, e.g. json:/event=subscribed");
            }
            return new Json(spec, pointer(body.substring(0, eq)), body.substring(eq + 1));
        }
        if (spec.startsWith("regex:")) {
            try {
                return new Regex(spec, Pattern.compile(spec.substring("regex:".length())));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("the regex does not compile: " + e.getDescription());
            }
        }
        if (spec.startsWith("text:")) {
            return new Exact(spec, spec.substring("text:".length()));
        }
        throw new IllegalArgumentException("a matcher starts with json:, regex: or text:, not '" + spec + "'");
    }

    /** A JSON Pointer (RFC 6901); {@link IllegalArgumentException} when it is not one. */
    static JsonPointer pointer(String text) {
        if (text.isEmpty() || text.charAt(0) != '/') {
            throw new IllegalArgumentException("'" + text + "' is not a JSON Pointer (it starts with /, e.g. /event)");
        }
        try {
            return JsonPointer.compile(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a JSON Pointer: " + e.getMessage());
        }
    }

    /** The value at {@code pointer} in a JSON text, in the matcher's spelling; null when absent or not JSON. */
    static String valueAt(String text, JsonPointer pointer) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (Exception e) {
            return null;
        }
        if (node == null) {
            return null;
        }
        JsonNode value = node.at(pointer);
        if (value.isMissingNode() || value.isContainerNode()) {
            return null;
        }
        return value.isTextual() ? value.textValue() : value.toString();
    }

    private static final class Json extends Matcher {
        private final JsonPointer pointer;
        private final String value;

        Json(String spec, JsonPointer pointer, String value) {
            super(spec);
            this.pointer = pointer;
            this.value = value;
        }

        @Override
        public boolean matches(String text) {
            return value.equals(valueAt(text, pointer));
        }
    }

    private static final class Regex extends Matcher {
        private final Pattern pattern;

        Regex(String spec, Pattern pattern) {
            super(spec);
            this.pattern = pattern;
        }

        @Override
        public boolean matches(String text) {
            return pattern.matcher(text).find();
        }
    }

    private static final class Exact extends Matcher {
        private final String text;

        Exact(String spec, String text) {
            super(spec);
            this.text = text;
        }

        @Override
        public boolean matches(String message) {
            return text.equals(message);
        }
    }
}
