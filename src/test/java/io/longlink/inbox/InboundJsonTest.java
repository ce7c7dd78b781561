package io.longlink.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;


/** {@link InboundJson} writes what Jackson writes for the message's fields (as Quarkus configures it). */
class InboundJsonTest {

    private final ObjectMapper jackson = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Test
    void everyCharacterIsWrittenAsJacksonWritesIt() throws Exception {
        StringBuilder all = new StringBuilder();
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            // a text frame is valid UTF-8, so its text never holds a lone surrogate
            if (!Character.isSurrogate((char) c)) {
                all.append((char) c);
            }
        }
        for (String data : List.of(all.toString(), "", "plain", "{\"price\":97012.5}", "a\"b\\c\nd\te\u0000f\u001f",
                "\u00e9\u4e2d\ud83d\ude00", "\\\\\"\"")) {
            assertSame(InboundMessage.text(7, Instant.parse("2026-01-05T10:02:58.410Z"), data));
        }
        assertSame(InboundMessage.binary(8, Instant.parse("2026-01-05T10:02:58.512Z"), new byte[] { 0, 1, 2, -1 }));
    }

    @Test
    void everyInstantIsWrittenAsJacksonWritesIt() throws Exception {
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.parse("2026-12-07T18:03:00Z"),
                Instant.parse("2026-12-07T18:00:00.000001Z"), Instant.parse("2026-12-07T18:03:59.999999999Z"),
                Instant.parse("2026-12-07T18:03:01.120Z"), Instant.parse("2026-12-07T18:03:01.123400Z"),
                Instant.parse("0001-01-01T00:00:00Z"), Instant.parse("0999-03-01T00:00:00.5Z"),
                Instant.parse("9999-12-31T23:59:59.999Z"), Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-0001-06-01T12:00:00Z"), Instant.MIN, Instant.MAX));
        SplittableRandom random = new SplittableRandom(26);
        for (int i = 0; i < 20_000; i++) {
            long seconds = random.nextLong(-100_000_000_000L, 300_000_000_000L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            instants.add(Instant.ofEpochSecond(seconds, nanos));
        }
        // the same second twice and back: the cached date text must follow
        instants.add(Instant.parse("2026-12-07T18:03:00.001Z"));
        instants.add(Instant.parse("2026-12-07T18:03:01.001Z"));
        instants.add(Instant.parse("2026-12-07T18:03:00.002Z"));
        long seq = 1;
        for (Instant at : instants) {
            assertSame(InboundMessage.text(seq++, at, "x"));
        }
    }

    /** A page of messages, as a cursor page or a webhook body holds them. */
    record Page(List<InboundMessage> messages, long next) {
    }

    @Test
    void aPageOfMessagesIsWrittenAsJacksonWritesIt() throws Exception {
        InboundMessage first = InboundMessage.text(Long.MAX_VALUE, Instant.parse("2026-01-05T10:02:58.410Z"), "\"q\"");
        InboundMessage second = InboundMessage.binary(2, Instant.parse("2026-01-05T10:02:58Z"), new byte[] { 7 });
        assertEquals("{\"messages\":[" + plain(first) + "," + plain(second) + "],\"next\":2}",
                jackson.writeValueAsString(new Page(List.of(first, second), 2)));
        // a page smaller than it grows to: every append makes room for itself
        JsonBytes array = new JsonBytes(1);
        InboundJson.appendArray(array, List.of(first, second));
        assertEquals("[" + plain(first) + "," + plain(second) + "]", array.toBuffer().toString(StandardCharsets.UTF_8));
        JsonBytes numbers = new JsonBytes(1);
        for (long n : new long[] { 0, 9, 10, 1234567890123456789L, Long.MAX_VALUE, -1, Long.MIN_VALUE }) {
            numbers.append(n).append(" ");
        }
        assertEquals("0 9 10 1234567890123456789 " + Long.MAX_VALUE + " -1 " + Long.MIN_VALUE + " ",
                numbers.toBuffer().toString(StandardCharsets.US_ASCII));
    }

    @Test
    void aMessageIsWrittenOnceAndKeepsItsJson() {
        InboundMessage message = InboundMessage.text(3, Instant.parse("2026-12-07T21:30:00.250Z"), "{\"a\":1}");
        byte[] event = InboundJson.event(message);
        org.junit.jupiter.api.Assertions.assertSame(event, InboundJson.event(message));
        JsonBytes twice = new JsonBytes(16);
        InboundJson.append(twice, message);
        InboundJson.append(twice, message);
        String one = "{\"seq\":3,\"receivedAt\":\"2026-12-07T21:30:00.250Z\",\"type\":\"text\",\"data\":\"{\\\"a\\\":1}\"}";
        assertEquals(one + one, twice.toBuffer().toString(StandardCharsets.UTF_8));
        assertEquals("id:3\ndata:" + one + "\n\n", new String(event, StandardCharsets.UTF_8));
        assertEquals(message, InboundMessage.text(3, Instant.parse("2026-12-07T21:30:00.250Z"), "{\"a\":1}"));
    }

    /** Written as Jackson writes it: kept in its event by a new message, and straight into the page by a cooled one. */
    private void assertSame(InboundMessage message) throws Exception {
        String expected = plain(message);
        InboundMessage cooled = new InboundMessage(message.seq(), message.receivedAt(), message.type(), message.data());
        cooled.cool();
        for (InboundMessage m : List.of(message, cooled)) {
            JsonBytes json = new JsonBytes(1);
            InboundJson.append(json, m);
            assertEquals(expected, json.toBuffer().toString(StandardCharsets.UTF_8));
            JsonBytes event = new JsonBytes(1);
            InboundJson.appendEvent(event, m);
            assertEquals("id:" + m.seq() + "\ndata:" + expected + "\n\n",
                    event.toBuffer().toString(StandardCharsets.UTF_8));
        }
        assertNull(cooled.event(), "a cooled message keeps nothing");
        assertEquals(expected, jackson.writeValueAsString(message));
    }

    /** What Jackson writes for the record's four fields, in their order, without {@link InboundJson}. */
    private String plain(InboundMessage message) throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("seq", message.seq());
        fields.put("receivedAt", message.receivedAt());
        fields.put("type", message.type());
        fields.put("data", message.data());
        return jackson.writeValueAsString(fields);
    }
}
