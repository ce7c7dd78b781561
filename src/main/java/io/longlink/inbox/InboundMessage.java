package io.longlink.inbox;

import java.time.Instant;
import java.util.Base64;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One frame the upstream pushed. {@code type} is {@code text} or {@code binary}; {@code data} is the text
 * itself or the bytes in base64.
 */
@RegisterForReflection
public record InboundMessage(long seq, Instant receivedAt, String type, String data) {

    public static final String TEXT = "text";
    public static final String BINARY = "binary";

    public static InboundMessage text(long seq, Instant receivedAt, String text) {
        return new InboundMessage(seq, receivedAt, TEXT, text);
    }

    public static InboundMessage binary(long seq, Instant receivedAt, byte[] bytes) {
        return new InboundMessage(seq, receivedAt, BINARY, Base64.getEncoder().encodeToString(bytes));
    }
}
