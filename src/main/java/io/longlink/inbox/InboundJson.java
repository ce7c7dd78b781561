package io.longlink.inbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import io.vertx.core.buffer.Buffer;

/**
 * Inbound messages as JSON, {@code {"seq":..,"receivedAt":"..","type":"..","data":".."}}, written by hand as UTF-8
 * bytes, once per message (the message keeps them): every reader sends each message it reads (an SSE event, a cursor
 * page, a webhook body), and Jackson's generic path with its ISO date formatter was about 40 % of the CPU of a
 * longlink whose SSE reader followed a fast feed. The text is the one Jackson writes by default for a record of the
 * four fields ({@code InboundJsonTest} compares them): {@code receivedAt} as {@link Instant#toString()}, and strings
 * escaped as Jackson escapes them ({@code "}, {@code \} and control characters only). Also the message's Jackson
 * serializer, for anything else that writes one.
 */
public final class InboundJson extends StdSerializer<InboundMessage> {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ = ascii("{\"seq\":");
    private static final byte[] RECEIVED_AT = ascii(",\"receivedAt\":\"");
    private static final byte[] TEXT = ascii("\",\"type\":\"text\",\"data\":");
    private static final byte[] BINARY = ascii("\",\"type\":\"binary\",\"data\":");
    private static final byte[] CLOSE = { '}' };
    private static final byte[] ID = ascii("id:");
    private static final byte[] DATA = ascii("\ndata:");
    private static final byte[] END = ascii("\n\n");
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
        Buffer json = Buffer.buffer();
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

    /** Appends the message's JSON to {@code out}: the data line of the event the message keeps ({@link #event}). */
    public static void append(Buffer out, InboundMessage message) {
        byte[] event = event(message);
        int from = ID.length + decimalLength(message.seq()) + DATA.length;
        out.appendBytes(event, from, event.length - from - END.length);
    }

    /**
     * The message as a Server-Sent Event, {@code id:<seq>\ndata:<its JSON>\n\n} in UTF-8 (the format Quarkus REST
     * writes), written by the first reader and kept by the message while it is among the newest of its log (see
     * {@link InboundMessage#cool}): ten SSE streams, a cursor page and a webhook body copy the same bytes.
     */
    public static byte[] event(InboundMessage message) {
        byte[] event = message.event();
        if (event == null) {
            event = write(message);
            message.keep(event);
        }
        return event;
    }

    private static byte[] write(InboundMessage message) {
        byte[] seq = digits(message.seq());
        byte[] receivedAt = instant(message.receivedAt());
        byte[] type;
        if (InboundMessage.TEXT.equals(message.type())) {
            type = TEXT;
        } else if (InboundMessage.BINARY.equals(message.type())) {
            type = BINARY;
        } else {
            type = concat(ascii("\",\"type\":"), quoted(message.type()), ascii(",\"data\":"));
        }
        return concat(ID, seq, DATA, SEQ, seq, RECEIVED_AT, receivedAt, type, quoted(message.data()), CLOSE, END);
    }

    private static int decimalLength(long value) {
        if (value < 0) {
            return Long.toString(value).length();
        }
        int length = 1;
        for (long rest = value / 10; rest != 0; rest /= 10) {
            length++;
        }
        return length;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** A number in decimal. */
    public static void appendLong(Buffer out, long value) {
        out.appendBytes(digits(value));
    }

    private static byte[] digits(long value) {
        if (value < 0) {
            return ascii(Long.toString(value));
        }
        int length = decimalLength(value);
        byte[] digits = new byte[length];
        for (int i = length - 1; i >= 0; i--, value /= 10) {
            digits[i] = (byte) ('0' + value % 10);
        }
        return digits;
    }

    /** As {@link Instant#toString()}: the fraction in groups of three digits, none when zero. */
    private static byte[] instant(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds >= YEAR_10000) {
            return ascii(instant.toString());
        }
        Second second = lastSecond;
        if (second.epochSecond() != seconds) {
            String text = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC).toString();
            second = new Second(seconds, ascii(seconds % 60 == 0 ? text + ":00" : text));
            lastSecond = second;
        }
        int nanos = instant.getNano();
        int digits = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        byte[] text = Arrays.copyOf(second.text(), second.text().length + (digits == 0 ? 1 : digits + 2));
        int at = second.text().length;
        if (digits != 0) {
            int fraction = digits == 3 ? nanos / 1_000_000 : digits == 6 ? nanos / 1_000 : nanos;
            text[at] = '.';
            for (int i = at + digits; i > at; i--, fraction /= 10) {
                text[i] = (byte) ('0' + fraction % 10);
            }
            at += digits + 1;
        }
        text[at] = 'Z';
        return text;
    }

    /** Appends {@code text} as a JSON string (see {@link #quoted}). */
    public static void appendString(Buffer out, String text) {
        out.appendBytes(quoted(text));
    }

    /**
     * A JSON string as Jackson writes it by default: only {@code "}, {@code \} and control characters escaped. Works
     * on the UTF-8 bytes, whose multi-byte sequences never hold a byte below 0x80, into one array.
     */
    private static byte[] quoted(String text) {
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
        return json;
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
