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
    private static final byte[] TYPE = ascii("\",\"type\":");
    private static final byte[] DATA_FIELD = ascii(",\"data\":");
    /** Seconds from the epoch to 10000-01-01T00:00:00Z: later (and negative) instants take Instant's own format. */
    private static final long YEAR_10000 = 253_402_300_800L;
    /** Per UTF-8 byte, what escaping it adds to its length: a lookup, not branches, in the loop every string takes. */
    private static final byte[] ESCAPED = new byte[256];

    static {
        for (int b = 0; b < 0x20; b++) {
            ESCAPED[b] = (byte) (shortEscape((byte) b) != 0 ? 1 : 5);
        }
        ESCAPED['"'] = 1;
        ESCAPED['\\'] = 1;
    }

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
        JsonBytes json = new JsonBytes(256);
        append(json, message);
        generator.writeRawValue(new String(json.bytes, 0, json.length, StandardCharsets.UTF_8));
    }

    /**
     * About the bytes {@link #appendArray} writes for {@code messages} (a few more for those keeping their event, an
     * estimate for others): a page allocated at this size is seldom grown and copied.
     */
    public static int arrayLength(List<InboundMessage> messages) {
        long length = 2;
        for (InboundMessage message : messages) {
            byte[] event = message.event();
            length += event != null ? event.length - 8 : 80 + message.data().length() * 3L / 2;
        }
        // a page of huge messages grows as it is written instead
        return (int) Math.min(length, 1 << 26);
    }

    /** The messages as a JSON array. */
    public static void appendArray(JsonBytes out, List<InboundMessage> messages) {
        out.append((byte) '[');
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) {
                out.append((byte) ',');
            }
            append(out, messages.get(i));
        }
        out.append((byte) ']');
    }

    /**
     * Appends the message's JSON to {@code out}: the data line of the event the message keeps ({@link #event}), or,
     * when it keeps none (it {@link InboundMessage#cool cooled}), the JSON written straight into {@code out}.
     */
    public static void append(JsonBytes out, InboundMessage message) {
        byte[] event = kept(message);
        if (event == null) {
            appendJson(out, message);
        } else {
            int from = JsonBytes.EVENT_HEAD + JsonBytes.digits(message.seq());
            out.append(event, from, event.length - from - JsonBytes.EVENT_END);
        }
    }

    /** Appends the message as a Server-Sent Event ({@link #event}), written straight into {@code out} when cooled. */
    public static void appendEvent(JsonBytes out, InboundMessage message) {
        byte[] event = kept(message);
        if (event == null) {
            appendEventOf(out, message);
        } else {
            out.append(event);
        }
    }

    /**
     * The message as a Server-Sent Event, {@code id:<seq>\ndata:<its JSON>\n\n} in UTF-8 (the format Quarkus REST
     * writes), written by the first reader and kept by the message while it is among the newest of its log (see
     * {@link InboundMessage#cool}): ten SSE streams, a cursor page and a webhook body copy the same bytes.
     */
    public static byte[] event(InboundMessage message) {
        byte[] event = kept(message);
        return event != null ? event : write(message);
    }

    /** The event the message keeps, written now when it may keep one; null once it cooled (it keeps none). */
    private static byte[] kept(InboundMessage message) {
        byte[] event = message.event();
        if (event == null && !message.cold()) {
            event = write(message);
            message.keep(event);
        }
        return event;
    }

    private static byte[] write(InboundMessage message) {
        JsonBytes event = new JsonBytes(96 + message.data().length() * 3 / 2);
        appendEventOf(event, message);
        return event.toArray();
    }

    private static void appendEventOf(JsonBytes out, InboundMessage message) {
        out.startEvent(message.seq(), null);
        appendJson(out, message);
        out.endEvent();
    }

    /** The JSON, field by field, straight into {@code out}: no array of its own (a cooled message is written per read). */
    private static void appendJson(JsonBytes out, InboundMessage message) {
        out.append(SEQ).append(message.seq()).append(RECEIVED_AT);
        appendInstant(out, message.receivedAt());
        if (InboundMessage.TEXT.equals(message.type())) {
            out.append(TEXT);
        } else if (InboundMessage.BINARY.equals(message.type())) {
            out.append(BINARY);
        } else {
            out.append(TYPE);
            appendString(out, message.type());
            out.append(DATA_FIELD);
        }
        appendString(out, message.data());
        out.append(CLOSE);
    }

    /** As {@link Instant#toString()}: the fraction in groups of three digits, none when zero. */
    private static void appendInstant(JsonBytes out, Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds >= YEAR_10000) {
            out.append(instant.toString());
            return;
        }
        Second second = lastSecond;
        if (second.epochSecond() != seconds) {
            String text = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC).toString();
            second = new Second(seconds, ascii(seconds % 60 == 0 ? text + ":00" : text));
            lastSecond = second;
        }
        out.append(second.text());
        int nanos = instant.getNano();
        int digits = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        out.ensure(digits + 2);
        byte[] bytes = out.bytes;
        int at = out.length;
        if (digits != 0) {
            int fraction = digits == 3 ? nanos / 1_000_000 : digits == 6 ? nanos / 1_000 : nanos;
            bytes[at] = '.';
            for (int i = at + digits; i > at; i--, fraction /= 10) {
                bytes[i] = (byte) ('0' + fraction % 10);
            }
            at += digits + 1;
        }
        bytes[at] = 'Z';
        out.length = at + 1;
    }

    /**
     * Appends {@code text} as a JSON string as Jackson writes it by default: only {@code "}, {@code \} and control
     * characters escaped. Works on the UTF-8 bytes, whose multi-byte sequences never hold a byte below 0x80: counts the
     * escapes, then writes straight into {@code out} (a feed's JSON has a quote to escape every few bytes).
     */
    public static void appendString(JsonBytes out, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int extra = 0;
        for (byte b : utf8) {
            extra += ESCAPED[b & 0xFF];
        }
        out.ensure(utf8.length + extra + 2);
        byte[] json = out.bytes;
        int at = out.length;
        json[at++] = '"';
        for (byte b : utf8) {
            int added = ESCAPED[b & 0xFF];
            if (added == 0) {
                json[at++] = b;
            } else {
                json[at++] = '\\';
                if (added == 1) {
                    json[at++] = b < 0x20 ? shortEscape(b) : b;
                } else {
                    json[at++] = 'u';
                    json[at++] = '0';
                    json[at++] = '0';
                    json[at++] = HEX[b >> 4];
                    json[at++] = HEX[b & 0xF];
                }
            }
        }
        json[at++] = '"';
        out.length = at;
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
