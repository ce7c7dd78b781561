package io.longlink.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The pointer scan finds what a full parse finds ({@link Matcher#valueAt}), without the parse. */
class JsonScanTest {

    private static final List<String> TEXTS = List.of(
            "{\"seq\":42,\"sym\":\"BTC-USD\"}",
            "{ \"data\" : { \"s\" : \"ETH\", \"u\" : 1234567890123 }, \"e\":\"depthUpdate\" }",
            "{\"skip\":{\"deep\":[1,{\"x\":\"}]\\\"\"}],\"seq\":0},\"seq\":-7,\"sym\":\"a\\\"b\"}",
            "{\"arr\":[10,[20,21],{\"k\":\"v\"}],\"seq\":\"99\"}",
            "{\"a/b\":{\"m~n\":true},\"n\":null,\"f\":1.5}",
            "{\"esc\":\"\\u00e9\\n\",\"seq\":1}",
            "[{\"seq\":5},{\"seq\":6}]",
            "not json at all",
            "{\"seq\":",
            "");

    private static final List<String> POINTERS = List.of("/seq", "/sym", "/data/s", "/data/u", "/skip/seq",
            "/arr/0", "/arr/1/1", "/arr/2/k", "/arr/3", "/a~1b/m~0n", "/n", "/f", "/esc", "/0/seq", "/1/seq",
            "/missing", "/data", "/arr/01");

    @Test
    void findsWhatAFullParseFinds() {
        for (String text : TEXTS) {
            for (String pointer : POINTERS) {
                assertEquals(Matcher.valueAt(text, Matcher.pointer(pointer)), JsonScan.of(pointer).valueIn(text),
                        pointer + " in " + text);
            }
        }
    }

    @Test
    void readsWholeNumbersFromNumbersAndDigitStrings() {
        assertEquals(42L, JsonScan.of("/seq").longIn(TEXTS.get(0)));
        assertEquals(99L, JsonScan.of("/seq").longIn(TEXTS.get(3)));
        assertEquals(-7L, JsonScan.of("/seq").longIn(TEXTS.get(2)));
        assertNull(JsonScan.of("/f").longIn(TEXTS.get(4)));
        assertNull(JsonScan.of("/sym").longIn(TEXTS.get(0)));
        assertNull(JsonScan.of("/seq").longIn("{\"seq\":99999999999999999999}"));
    }

    @Test
    void refusesWhatIsNotAPointer() {
        assertThrows(IllegalArgumentException.class, () -> JsonScan.of("seq"));
        assertThrows(IllegalArgumentException.class, () -> JsonScan.of(""));
    }
}
