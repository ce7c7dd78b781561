package io.longlink.inbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import io.vertx.core.buffer.Buffer;

/**
 * Inbound messages as JSON, {@code {"seq":..,"receivedAt":"..","type":"..","data":".."}}, written by hand as UTF-8
 * bytes: every reader encodes each message it sends (an SSE event, a cursor page, a webhook body), and Jackson's
 * generic path with its ISO date formatter was about 40 % of the CPU of a longlink whose SSE reader followed a fast
 * feed. The text is the one Jackson writes for the record by default ({@code InboundJsonTest} compares them):
 * {@code receivedAt} as {@link Instant#toString()}, and strings escaped as Jackson escapes them ({@code "}, {@code \}
 * and control characters only). Also the record's Jackson serializer, for anything else that writes one.
 */
public final class InboundJson extends StdSerializer<InboundMessage> {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ = ascii("{\"seq\":");
    private static final byte[] RECEIVED_AT = ascii(",\"receivedAt\":\"");
    private static final byte[] TEXT = ascii("\",\"type\":\"text\",\"data\":");
    private static final byte[] BINARY = ascii("\",\"type\":\"binary\",\"data\":");
    /** Seconds from the epoch to 10000-01-01T00:00:00Z: later (and negative) instants take Instant's own format. */
    private static final long YEAR_10000 = 253_402_300_800L;

    /** The text of the last second written ({@code 2026-12-07T18:03:00}): a feed's messages share their second. */
    private record Second(long epochSecond, byte[] text) {
    }

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, new byte[0]);

    public InboundJson() {
        super(InboundMessage.class);
    }

    @Override
    public void serialize(InboundMessage message, JsonGenerator generator, SerializerProvider provider)
            throws IOException {
        Buffer json = Buffer.buffer(message.data().length() + 96);
        append(json, message);
        generator.writeRawValue(json.toString(StandardCharsets.UTF_8));
    }

    /** The messages as a JSON array. */
    public static void appendArray(Buffer out, List<InboundMessage> messages) {
        out.appendByte((byte) '[');
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) {
                out.appendByte((byte) ',');
            }
            append(out, messages.get(i));
        }
        out.appendByte((byte) ']');
    }

    /** Appends the message's JSON to {@code out}. */
    public static void append(Buffer out, InboundMessage message) {
        out.appendBytes(SEQ);
        appendLong(out, message.seq());
        out.appendBytes(RECEIVED_AT);
        appendInstant(out, message.receivedAt());
        if (InboundMessage.TEXT.equals(message.type())) {
            out.appendBytes(TEXT);
        } else if (InboundMessage.BINARY.equals(message.type())) {
            out.appendBytes(BINARY);
        } else {
            out.appendString("\",\"type\":");
            appendString(out, message.type());
            out.appendString(",\"data\":");
        }
        appendString(out, message.data());
        out.appendByte((byte) '}');
    }

    /** A number in decimal. */
    public static void appendLong(Buffer out, long value) {
        if (value < 0) {
            out.appendBytes(ascii(Long.toString(value)));
            return;
        }
        byte[] digits = new byte[19];
        int start = digits.length;
        do {
            digits[--start] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value != 0);
        out.appendBytes(digits, start, digits.length - start);
    }

    /** As {@link Instant#toString()}: the fraction in groups of three digits, none when zero. */
    static void appendInstant(Buffer out, Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds >= YEAR_10000) {
            out.appendBytes(ascii(instant.toString()));
            return;
        }
        Second second = lastSecond;
        if (second.epochSecond() != seconds) {
            String text = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC).toString();
            second = new Second(seconds, ascii(seconds % 60 == 0 ? text + ":00" : text));
            lastSecond = second;
        }
        out.appendBytes(second.text());
        int nanos = instant.getNano();
        if (nanos != 0) {
            int digits = nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
            int fraction = digits == 3 ? nanos / 1_000_000 : digits == 6 ? nanos / 1_000 : nanos;
            byte[] text = new byte[digits + 1];
            text[0] = '.';
            for (int i = digits; i > 0; i--, fraction /= 10) {
                text[i] = (byte) ('0' + fraction % 10);
            }
            out.appendBytes(text);
        }
        out.appendByte((byte) 'Z');
    }

    /**
     * A JSON string as Jackson writes it by default: only {@code "}, {@code \} and control characters escaped. Works on
     * the UTF-8 bytes, whose multi-byte sequences never hold a byte below 0x80, and appends them in one copy (a call
     * to the buffer per escape and run cost a fifth of a reader's CPU on JSON frames, which are full of quotes).
     */
    public static void appendString(Buffer out, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int extra = 0;
        for (byte b : utf8) {
            if (b >= 0 && b < 0x20) {
                extra += shortEscape(b) != 0 ? 1 : 5;
            } else if (b == '"' || b == '\\') {
                extra++;
            }
        }
        byte[] json = new byte[utf8.length + extra + 2];
        json[0] = '"';
        int at = 1;
        if (extra == 0) {
            System.arraycopy(utf8, 0, json, 1, utf8.length);
            at += utf8.length;
        } else {
            for (byte b : utf8) {
                if (b >= 0 && b < 0x20) {
                    json[at++] = '\\';
                    byte escape = shortEscape(b);
                    if (escape != 0) {
                        json[at++] = escape;
                    } else {
                        json[at++] = 'u';
                        json[at++] = '0';
                        json[at++] = '0';
                        json[at++] = HEX[b >> 4];
                        json[at++] = HEX[b & 0xF];
                    }
                } else if (b == '"' || b == '\\') {
                    json[at++] = '\\';
                    json[at++] = b;
                } else {
                    json[at++] = b;
                }
            }
        }
        json[at] = '"';
        out.appendBytes(json);
    }

    /** The letter of a control character's two-character escape; 0 for those written as a six-character one. */
    private static byte shortEscape(byte b) {
        return switch (b) {
            case '\b' -> 'b';
            case '\t' -> 't';
            case '\n' -> 'n';
            case '\f' -> 'f';
            case '\r' -> 'r';
            default -> 0;
        };
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
