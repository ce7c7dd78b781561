package io.longlink.inbox;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

/**
 * A page of JSON or SSE events as it is written: a byte array that grows, then handed to Vert.x without a copy
 * ({@link #toBuffer}). A page of a thousand inbound messages is a few thousand appends; Vert.x' {@link Buffer} checked
 * its bounds and reference count on each (a fifth of a cursor page's CPU in the native image), and the escaping of a
 * message's text writes straight into the array. Not thread-safe: one page, one writer.
 */
public final class JsonBytes {

    private static final byte[] ID = "id:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "\nevent:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    /** Bytes before an unnamed event's data: {@code id:}, its digits, then {@code \ndata:}. */
    static final int EVENT_HEAD = ID.length + DATA.length;
    /** Bytes after an event's data: the blank line that ends it. */
    static final int EVENT_END = END.length;
    /** The largest byte array a JVM allocates. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    byte[] bytes;
    int length;

    /** An empty page with room for {@code capacity} bytes before it grows. */
    public JsonBytes(int capacity) {
        this.bytes = new byte[Math.max(16, capacity)];
    }

    public int length() {
        return length;
    }

    public JsonBytes append(byte b) {
        ensure(1);
        bytes[length++] = b;
        return this;
    }

    public JsonBytes append(byte[] b) {
        return append(b, 0, b.length);
    }

    public JsonBytes append(byte[] b, int from, int count) {
        ensure(count);
        System.arraycopy(b, from, bytes, length, count);
        length += count;
        return this;
    }

    /** Appends {@code text} in UTF-8, as it is (not as a JSON string: see {@link InboundJson#appendString}). */
    public JsonBytes append(String text) {
        return append(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends a number in decimal. */
    public JsonBytes append(long value) {
        if (value < 0) {
            return append(Long.toString(value));
        }
        int digits = digits(value);
        ensure(digits);
        for (int i = length + digits - 1; i >= length; i--, value /= 10) {
            bytes[i] = (byte) ('0' + value % 10);
        }
        length += digits;
        return this;
    }

    /**
     * Starts a Server-Sent Event as Quarkus REST writes one: {@code id:<id>}, {@code event:<name>} unless null, then
     * {@code data:}; the event's data (one line: compact JSON) follows, then {@link #endEvent}.
     */
    public JsonBytes startEvent(long id, String name) {
        append(ID).append(id);
        if (name != null) {
            append(EVENT).append(name);
        }
        return append(DATA);
    }

    /** Ends an event started by {@link #startEvent}: a blank line. */
    public JsonBytes endEvent() {
        return append(END);
    }

    /** How many bytes a number takes in decimal (its digits, and the sign of a negative one). */
    static int digits(long value) {
        if (value < 0) {
            return Long.toString(value).length();
        }
        int digits = 1;
        for (long rest = value / 10; rest != 0; rest /= 10) {
            digits++;
        }
        return digits;
    }

    /** Makes room for {@code more} bytes after {@link #length}: doubles, up to the largest array a JVM makes. */
    void ensure(int more) {
        if (bytes.length - length < more) {
            long needed = (long) length + more;
            if (needed > MAX_ARRAY) {
                throw new IllegalStateException("a page of more than " + MAX_ARRAY + " bytes");
            }
            bytes = Arrays.copyOf(bytes, (int) Math.min(MAX_ARRAY, Math.max(2L * bytes.length, needed)));
        }
    }

    /** The bytes written, copied. */
    public byte[] toArray() {
        return Arrays.copyOf(bytes, length);
    }

    /** The bytes written, as a Vert.x buffer over this page's array (not a copy: write no more to it). */
    public Buffer toBuffer() {
        return Buffer.buffer(Unpooled.wrappedBuffer(bytes, 0, length));
    }
}
