package io.longlink.inbox;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One frame the upstream pushed. {@code type} is {@code text} or {@code binary}; {@code data} is the text
 * itself or the bytes in base64. {@code receivedAt} has millisecond precision, as the durable stores keep it. As JSON
 * it is written by {@link InboundJson}, once: the message keeps it (inside an SSE event), so that every reader of a
 * feed (ten SSE streams, a cursor, the webhook) copies the same bytes instead of encoding it again (encoding was most
 * of the CPU of ten SSE readers following a fast feed). Immutable, and equal by its four fields, as a record would be.
 */
@RegisterForReflection
@JsonSerialize(using = InboundJson.class)
public final class InboundMessage {

    public static final String TEXT = "text";
    public static final String BINARY = "binary";

    private final long seq;
    private final Instant receivedAt;
    private final String type;
    private final String data;
    /** {@link #event} of a message that keeps no event (see {@link #cool}). */
    private static final byte[] COLD = new byte[0];
    private static final VarHandle EVENT;

    static {
        try {
            EVENT = MethodHandles.lookup().findVarHandle(InboundMessage.class, "event", byte[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The message as an SSE event, its JSON the data line, once a reader wrote it ({@link InboundJson#event}); null
     * before, {@link #COLD} once it keeps none. Volatile, so that a reader that sees the array sees its contents.
     */
    private volatile byte[] event;

    public InboundMessage(long seq, Instant receivedAt, String type, String data) {
        this.seq = seq;
        this.receivedAt = Objects.requireNonNull(receivedAt);
        this.type = Objects.requireNonNull(type);
        this.data = Objects.requireNonNull(data);
    }

    public static InboundMessage text(long seq, Instant receivedAt, String text) {
        return new InboundMessage(seq, receivedAt, TEXT, text);
    }

    public static InboundMessage binary(long seq, Instant receivedAt, byte[] bytes) {
        return new InboundMessage(seq, receivedAt, BINARY, Base64.getEncoder().encodeToString(bytes));
    }

    public long seq() {
        return seq;
    }

    public Instant receivedAt() {
        return receivedAt;
    }

    public String type() {
        return type;
    }

    public String data() {
        return data;
    }

    /** The event a reader wrote and the message keeps, or null. */
    byte[] event() {
        byte[] kept = event;
        return kept == COLD ? null : kept;
    }

    /** The message {@link #cool cooled}: it keeps no event. */
    boolean cold() {
        return event == COLD;
    }

    /** Keeps the event a reader wrote, unless another reader was first or the message {@link #cool cooled}. */
    void keep(byte[] written) {
        EVENT.compareAndSet(this, null, written);
    }

    /**
     * The message is no longer among the newest of its log: it drops its event and keeps none from now on (the memory
     * store holds everything retained, and twice that in its heap lengthened every collection).
     */
    void cool() {
        event = COLD;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof InboundMessage m && seq == m.seq && receivedAt.equals(m.receivedAt)
                && type.equals(m.type) && data.equals(m.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, receivedAt, type, data);
    }

    @Override
    public String toString() {
        return "InboundMessage[seq=" + seq + ", receivedAt=" + receivedAt + ", type=" + type + ", data=" + data + "]";
    }
}
