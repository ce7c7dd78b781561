package io.longlink.inbox;

import java.time.Instant;
import java.util.Base64;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One frame the upstream pushed. {@code type} is {@code text} or {@code binary}; {@code data} is the text
 * itself or the bytes in base64. {@code receivedAt} has millisecond precision, as the durable stores keep it. As JSON
 * it is written by {@link InboundJson}.
 */
@RegisterForReflection
@JsonSerialize(using = InboundJson.class)
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
