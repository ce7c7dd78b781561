package io.longlink.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

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
        JsonNode array;
        try {
            array = body == null || body.length == 0 ? null : json.readTree(body);
        } catch (IOException e) {
            throw invalid(null, "the body is not JSON");
        }
        if (array == null || !array.isArray()) {
            throw invalid(null, "the body must be a JSON array of {\"text\"}, {\"json\"} or {\"binary\"} elements");
        }
        if (array.isEmpty()) {
            throw invalid(null, "the batch is empty");
        }
        if (array.size() > maxBatch) {
            throw new ProblemException(413, "batch-too-large", "Batch too large",
                    "the batch has " + array.size() + " messages; this connection accepts at most " + maxBatch);
        }
        List<MessageBody> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            MessageBody message = element(json, array.get(i), i);
            if (message.payload().length > maxBytes) {
                throw new ProblemException(413, "message-too-large", "Message too large", "message " + i + " has "
                        + message.payload().length + " bytes; this connection accepts at most " + maxBytes,
                        Map.of(), i);
            }
            messages.add(message);
        }
        return messages;
    }

    private static MessageBody element(ObjectMapper json, JsonNode element, int index) {
        if (element == null || !element.isObject() || element.size() != 1) {
            throw invalid(index, "element " + index + " must be an object with exactly one of text, json or binary");
        }
        String kind = element.fieldNames().next();
        JsonNode value = element.get(kind);
        byte[] payload;
        switch (kind) {
            case "text" -> {
                if (!value.isTextual()) {
                    throw invalid(index, "element " + index + ": text must be a string");
                }
                payload = value.textValue().getBytes(StandardCharsets.UTF_8);
            }
            case "json" -> {
                try {
                    payload = json.writeValueAsBytes(value);
                } catch (IOException e) {
                    throw invalid(index, "element " + index + ": json cannot be serialized");
                }
            }
            case "binary" -> {
                if (!value.isTextual()) {
                    throw invalid(index, "element " + index + ": binary must be a base64 string");
                }
                try {
                    payload = Base64.getDecoder().decode(value.textValue());
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

    private static ProblemException invalid(Integer index, String detail) {
        return new ProblemException(400, "invalid-batch", "Invalid batch", detail, Map.of(), index);
    }
}
