package io.longlink.rest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;

import jakarta.ws.rs.core.MediaType;

/**
 * A message body as it goes upstream: one text frame (UTF-8 {@code payload}) or one binary frame. Built from an
 * HTTP body and its {@code Content-Type}: {@code text/*}, {@code application/json} and {@code +json} are text,
 * decoded strictly from their declared charset (UTF-8 when none) and re-encoded as UTF-8;
 * {@code application/octet-stream} is binary, byte for byte. Anything else is refused.
 */
record MessageBody(boolean binary, byte[] payload) {

    /**
     * Parses a request body; {@link ProblemException} with 415 (media type), 400 (empty, invalid text) or 413
     * (over {@code maxBytes}).
     */
    static MessageBody of(String contentType, byte[] body, long maxBytes) {
        MediaType type = parse(contentType);
        boolean binary = isBinary(type, contentType);
        byte[] payload = body == null ? new byte[0] : body;
        if (payload.length == 0) {
            throw ProblemException.badRequest("empty-body", "Empty body", "a message must have at least one byte");
        }
        if (payload.length > maxBytes) {
            throw new ProblemException(413, "message-too-large", "Message too large",
                    "the body has " + payload.length + " bytes; this connection accepts at most " + maxBytes);
        }
        return new MessageBody(binary, binary ? payload : toUtf8(payload, type, contentType));
    }

    private static boolean isBinary(MediaType type, String contentType) {
        if (type.isCompatible(MediaType.APPLICATION_OCTET_STREAM_TYPE) && !type.isWildcardType()
                && !type.isWildcardSubtype()) {
            return true;
        }
        boolean text = "text".equalsIgnoreCase(type.getType()) && !type.isWildcardSubtype();
        boolean json = "application".equalsIgnoreCase(type.getType())
                && ("json".equalsIgnoreCase(type.getSubtype()) || type.getSubtype().toLowerCase().endsWith("+json"));
        if (text || json) {
            return false;
        }
        throw unsupported(contentType);
    }

    private static MediaType parse(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw unsupported("none");
        }
        try {
            return MediaType.valueOf(contentType);
        } catch (IllegalArgumentException e) {
            throw unsupported(contentType);
        }
    }

    private static ProblemException unsupported(String contentType) {
        return new ProblemException(415, "unsupported-media-type", "Unsupported media type",
                "Content-Type " + contentType
                        + " is not accepted; use text/*, application/json (text frame) or application/octet-stream (binary frame)");
    }

    /** The body as UTF-8, decoded strictly from its declared charset (UTF-8 when none is declared). */
    private static byte[] toUtf8(byte[] body, MediaType type, String contentType) {
        String name = type.getParameters().get(MediaType.CHARSET_PARAMETER);
        Charset charset;
        try {
            charset = name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw unsupported(contentType);
        }
        if (charset.equals(StandardCharsets.UTF_8) && isAscii(body)) {
            // the common case, checked without decoding: ASCII is valid UTF-8 as it is
            return body;
        }
        String text;
        try {
            text = charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw ProblemException.badRequest("invalid-text", "Invalid text",
                    "the body is not valid " + charset.name() + " text");
        }
        return charset.equals(StandardCharsets.UTF_8) ? body : text.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isAscii(byte[] body) {
        for (byte b : body) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
