package io.longlink.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MatcherTest {

    @Test
    void jsonComparesTheValueAtThePointerInItsJsonSpelling() {
        assertTrue(Matcher.parse("json:/event=subscribed").matches("{\"event\":\"subscribed\",\"id\":1}"));
        assertFalse(Matcher.parse("json:/event=subscribed").matches("{\"event\":\"unsubscribed\"}"));
        assertTrue(Matcher.parse("json:/result/ok=true").matches("{\"result\":{\"ok\":true}}"));
        assertFalse(Matcher.parse("json:/result/ok=true").matches("{\"result\":{\"ok\":\"yes\"}}"));
        assertTrue(Matcher.parse("json:/code=0").matches("{\"code\":0}"));
        assertTrue(Matcher.parse("json:/args/0=login").matches("{\"args\":[\"login\"]}"));
        assertTrue(Matcher.parse("json:/a~1b=x").matches("{\"a/b\":\"x\"}"));
        assertTrue(Matcher.parse("json:/v=a=b").matches("{\"v\":\"a=b\"}"), "the first = splits");
        assertFalse(Matcher.parse("json:/result=x").matches("{\"result\":{\"x\":1}}"), "objects never match");
        assertFalse(Matcher.parse("json:/event=x").matches("not json"));
        assertFalse(Matcher.parse("json:/event=x").matches("{}"));
    }

    @Test
    void regexIsFoundAnywhereAndTextIsExact() {
        assertTrue(Matcher.parse("regex:\"op\"\\s*:\\s*\"pong\"").matches("{\"op\" : \"pong\"}"));
        assertFalse(Matcher.parse("regex:^pong$").matches("ping pong"));
        assertTrue(Matcher.parse("text:pong").matches("pong"));
        assertFalse(Matcher.parse("text:pong").matches("pong "));
        assertEquals("text:pong", Matcher.parse("text:pong").toString());
    }

    @Test
    void badSpecificationsSayWhatIsWrong() {
        assertEquals("a matcher starts with json:, regex: or text:, not 'pong'",
                assertThrows(IllegalArgumentException.class, () -> Matcher.parse("pong")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Matcher.parse("json:event=x")).getMessage()
                .contains("not a JSON Pointer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Matcher.parse("json:/event")).getMessage()
                .contains("json:<JSON Pointer>=<value>"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Matcher.parse("regex:(")).getMessage()
                .startsWith("the regex does not compile"));
    }
}
