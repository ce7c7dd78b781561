package io.longlink.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The body of {@code POST /connections/{id}/messages:batch}: a JSON array of at most {@code outbox.max-batch}
 * elements, each exactly one of {@code {"text": "..."}} (a text frame), {@code {"json": <any JSON>}} (a text frame of
 * its compact serialization) or {@code {"binary": "<base64>"}} (a binary frame). Parsed whole before anything is
 * stored: the first bad element answers 400 {@code invalid-batch} with its {@code index}, an element over
 * {@code outbox.max-message-size} or too many elements 413.
 */
final class MessageBatch {

    private MessageBatch() {
    }

    static List<MessageBody> parse(ObjectMapper json, byte[] body, int maxBatch, long maxBytes) {
        // read as a stream, element by element (no tree of the whole batch), with the answers of reading it whole:
        // a body that is not JSON wins over everything, then the shape, the count, and the first bad element
        List<MessageBody> messages = new ArrayList<>();
        int count = 0;
        ProblemException firstBad = null;
        try (JsonParser parser = json.getFactory().createParser(body == null ? new byte[0] : body)) {
            JsonToken start = parser.nextToken();
            if (start != JsonToken.START_ARRAY) {
                if (start != null) {
                    parser.skipChildren();
                }
                throw invalid(null, "the body must be a JSON array of {\"text\"}, {\"json\"} or {\"binary\"} elements");
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                int index = count++;
                Element element = Element.read(json, parser);
                if (firstBad != null || count > maxBatch) {
                    continue;
                }
                try {
                    MessageBody message = element.message(json, index);
                    if (message.payload().length > maxBytes) {
                        throw new ProblemException(413, "message-too-large", "Message too large", "message " + index
                                + " has " + message.payload().length + " bytes; this connection accepts at most "
                                + maxBytes, Map.of(), index);
                    }
                    messages.add(message);
                } catch (ProblemException e) {
                    firstBad = e;
                }
            }
        } catch (IOException e) {
            throw invalid(null, "the body is not JSON");
        }
        if (count == 0) {
            throw invalid(null, "the batch is empty");
        }
        if (count > maxBatch) {
            throw new ProblemException(413, "batch-too-large", "Batch too large",
                    "the batch has " + count + " messages; this connection accepts at most " + maxBatch);
        }
        if (firstBad != null) {
            throw firstBad;
        }
        return messages;
    }

    /**
     * One element as read: its number of fields, the first field's name, and that field's value (a string, or for
     * {@code json} the value itself; null when it is of another kind).
     */
    private record Element(int fields, String kind, String text, JsonNode value) {

        /** Reads the element at the parser's current token, whatever it is, up to its last token. */
        static Element read(ObjectMapper json, JsonParser parser) throws IOException {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                parser.skipChildren();
                return new Element(-1, null, null, null);
            }
            int fields = 0;
            String kind = null;
            String text = null;
            JsonNode value = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                fields++;
                String name = parser.currentName();
                JsonToken token = parser.nextToken();
                if (fields == 1 && "json".equals(name)) {
                    kind = name;
                    value = json.readTree(parser);
                } else if (fields == 1 && token == JsonToken.VALUE_STRING) {
                    kind = name;
                    text = parser.getText();
                } else {
                    kind = fields == 1 ? name : kind;
                    parser.skipChildren();
                }
            }
            return new Element(fields, kind, text, value);
        }

        MessageBody message(ObjectMapper json, int index) {
            if (fields != 1) {
                throw invalid(index, "element " + index + " must be an object with exactly one of text, json or binary");
            }
            byte[] payload;
            switch (kind) {
                case "text" -> {
                    if (text == null) {
                        throw invalid(index, "element " + index + ": text must be a string");
                    }
                    payload = text.getBytes(StandardCharsets.UTF_8);
                }
                case "json" -> {
                    try {
                        payload = json.writeValueAsBytes(value);
                    } catch (IOException e) {
                        throw invalid(index, "element " + index + ": json cannot be serialized");
                    }
                }
                case "binary" -> {
                    if (text == null) {
                        throw invalid(index, "element " + index + ": binary must be a base64 string");
                    }
                    try {
                        payload = Base64.getDecoder().decode(text);
                    } catch (IllegalArgumentException e) {
                        throw invalid(index, "element " + index + ": binary is not valid base64");
                    }
                }
                default -> throw invalid(index, "element " + index + ": unknown field '" + kind
                        + "'; use text, json or binary");
            }
            if (payload.length == 0) {
                throw invalid(index, "element " + index + " is empty; a message must have at least one byte");
            }
            return new MessageBody("binary".equals(kind), payload);
        }
    }

    private static ProblemException invalid(Integer index, String detail) {
        return new ProblemException(400, "invalid-batch", "Invalid batch", detail, Map.of(), index);
    }
}
