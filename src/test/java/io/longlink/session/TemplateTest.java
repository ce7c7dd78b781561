package io.longlink.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateTest {

    @TempDir
    Path dir;

    private static Template.Values values(long generation, Map<String, String> env, Map<String, String> inbound) {
        return new Template.Values() {
            @Override
            public long generation() {
                return generation;
            }

            @Override
            public String env(String name) {
                return env.get(name);
            }

            @Override
            public String inbound(String pointer) {
                return inbound.getOrDefault(pointer, "");
            }
        };
    }

    @Test
    void everyPlaceholderIsExpandedAndTheFileIsReadAgainEachTime() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "abc\n");
        Template t = Template.parse("Bearer {{file:" + token + "}} g={{generation}} r={{ env:ROOM }} o={{inbound:/offset}}");
        Template.Values v = values(7, Map.of("ROOM", "lobby"), Map.of("/offset", "42"));
        assertEquals("Bearer abc g=7 r=lobby o=42", t.expand(v));
        Files.writeString(token, "def\r\n");
        assertEquals("Bearer def g=7 r=lobby o=42", t.expand(v));
        Files.writeString(token, "two\n\n");
        assertTrue(t.expand(v).startsWith("Bearer two\n g=7"), "only one trailing newline is dropped");
        assertEquals("plain", Template.parse("plain").expand(v));
        assertEquals(Set.of("/offset"), t.inboundPointers());
    }

    @Test
    void whatCannotBeExpandedFailsNamingThePlaceholderNotAValue() {
        Template.Values v = values(1, Map.of(), Map.of());
        assertEquals("{{env:TOKEN}}: the variable is not set",
                assertThrows(Template.ExpansionException.class, () -> Template.parse("{{env:TOKEN}}").expand(v))
                        .getMessage());
        Path missing = dir.resolve("missing");
        assertEquals("{{file:" + missing + "}}: the file cannot be read (no such file)",
                assertThrows(Template.ExpansionException.class,
                        () -> Template.parse("{{file:" + missing + "}}").expand(v)).getMessage());
        assertEquals("", Template.parse("{{inbound:/offset}}").expand(v), "no message had it yet");
    }

    @Test
    void badTemplatesAreRefusedAtParse() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Template.parse("{{secret}}")).getMessage()
                .startsWith("unknown placeholder {{secret}}"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Template.parse("a {{file:/x")).getMessage()
                .contains("is not closed"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Template.parse("{{inbound:offset}}"))
                .getMessage().contains("not a JSON Pointer"));
    }
}
