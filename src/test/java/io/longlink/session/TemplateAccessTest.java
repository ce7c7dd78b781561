package io.longlink.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a runtime spec's {@code {{file:}}} and {@code {{env:}}} may read: globs, real paths, links swapped later. */
class TemplateAccessTest {

    @TempDir
    Path dir;

    private static final Template.Values ENV = new Template.Values() {
        @Override
        public long generation() {
            return 1;
        }

        @Override
        public String env(String name) {
            return Map.of("FEED_TOKEN", "t0ken", "DB_PASSWORD", "hunter2").get(name);
        }

        @Override
        public String inbound(String pointer) {
            return "";
        }
    };

    private TemplateAccess access(String... envGlobs) throws Exception {
        return TemplateAccess.limited(List.of(dir.resolve("allowed") + "/*"), List.of(envGlobs));
    }

    @Test
    void withTheDefaultsARuntimeSpecReadsNoFileAndNoVariable() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "secret");
        TemplateAccess none = TemplateAccess.limited(List.of(), List.of());
        String refused = assertThrows(IllegalArgumentException.class,
                () -> Template.parse("Bearer {{file:" + file + "}}", none)).getMessage();
        assertTrue(refused.contains("longlink.templates.allowed-files"), refused);
        assertFalse(refused.contains("secret"), refused);
        String env = assertThrows(IllegalArgumentException.class,
                () -> Template.parse("{{env:DB_PASSWORD}}", none)).getMessage();
        assertTrue(env.contains("longlink.templates.allowed-env"), env);
        assertEquals("g=1", Template.parse("g={{generation}}", none).expand(ENV), "other placeholders stay allowed");
    }

    @Test
    void filesMatchingTheGlobsAreReadOthersAreRefused() throws Exception {
        Path allowed = Files.createDirectories(dir.resolve("allowed"));
        Files.writeString(allowed.resolve("token"), "abc\n");
        Files.createDirectories(allowed.resolve("sub"));
        Files.writeString(allowed.resolve("sub/deep"), "deeper");
        Files.writeString(dir.resolve("outside"), "nope");
        TemplateAccess access = access();
        assertEquals("abc", Template.parse("{{file:" + allowed.resolve("token") + "}}", access).expand(ENV));
        assertEquals("deeper", Template.parse("{{file:" + allowed.resolve("sub/deep") + "}}", access).expand(ENV),
                "* spans directories, like every other glob of longlink");
        assertThrows(IllegalArgumentException.class,
                () -> Template.parse("{{file:" + dir.resolve("outside") + "}}", access));
        assertThrows(IllegalArgumentException.class,
                () -> Template.parse("{{file:" + allowed + "/../outside}}", access), "dot-dot is resolved first");
        assertNull(access.refusedFile(allowed.resolve("not-yet-there")),
                "a file that is not there yet is judged by its directory; it is checked again when read");
        assertTrue(access.refusedFile(dir.resolve("elsewhere/not-there")) != null);
    }

    @Test
    void aLinkOutOfTheAllowedDirectoryIsRefusedAtParseAndWhenSwappedInLater() throws Exception {
        Path allowed = Files.createDirectories(dir.resolve("allowed"));
        Path secret = Files.writeString(dir.resolve("secret"), "hunter2");
        Path link = allowed.resolve("link");
        Files.createSymbolicLink(link, secret);
        String refused = assertThrows(IllegalArgumentException.class,
                () -> Template.parse("{{file:" + link + "}}", access())).getMessage();
        assertTrue(refused.contains("real path"), refused);

        Files.delete(link);
        Files.writeString(link, "fine");
        Template template = Template.parse("{{file:" + link + "}}", access());
        assertEquals("fine", template.expand(ENV));
        Files.delete(link);
        Files.createSymbolicLink(link, secret);
        String failed = assertThrows(Template.ExpansionException.class, () -> template.expand(ENV)).getMessage();
        assertTrue(failed.contains("longlink.templates.allowed-files") && failed.contains("nothing was read"), failed);
        assertFalse(failed.contains("hunter2") || failed.contains(secret.toString()), failed);
    }

    @Test
    void aLinkInsideTheAllowedDirectoryIsFollowedAndAnAllowedDirectoryReachedByALinkIsItsRealPath() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Files.createDirectories(real.resolve("..2026_12_07"));
        Files.writeString(real.resolve("..2026_12_07/token"), "rotated");
        Files.createSymbolicLink(real.resolve("..data"), Path.of("..2026_12_07"));
        Files.createSymbolicLink(real.resolve("token"), Path.of("..data/token"));
        Files.createSymbolicLink(dir.resolve("allowed"), real);
        TemplateAccess access = access();
        assertEquals("rotated", Template.parse("{{file:" + dir.resolve("allowed/token") + "}}", access).expand(ENV),
                "a Kubernetes secret volume: links within the directory, the directory itself reached by a link");
    }

    @Test
    void variablesMatchingTheGlobsAreReadOthersAreRefused() throws Exception {
        TemplateAccess access = access("FEED_*", "OTHER");
        assertEquals("t0ken", Template.parse("{{env:FEED_TOKEN}}", access).expand(ENV));
        assertThrows(IllegalArgumentException.class, () -> Template.parse("{{env:DB_PASSWORD}}", access));
        assertThrows(IllegalArgumentException.class, () -> Template.parse("{{env:FEED}}", access));
        assertEquals("hunter2", Template.parse("{{env:DB_PASSWORD}}").expand(ENV), "configured: unlimited");
    }

    @Test
    void everyTemplateOfARuntimeSpecIsHeldToTheLimitWithItsKeyNamed() {
        for (String key : List.of("headers.X-Env", "on-open[0].text", "heartbeat.text", "auth.oauth2.client-secret",
                "inbound.webhook.secret")) {
            SessionPlan.InvalidSettingException e = assertThrows(SessionPlan.InvalidSettingException.class,
                    () -> SessionPlan.of(io.longlink.config.ConnectionSettings.read("x", spec(key)),
                            TemplateAccess.limited(List.of(), List.of())), key);
            assertEquals(key, e.key());
            assertTrue(e.detail().contains("longlink.templates.allowed-env"), e.detail());
        }
    }

    private static Map<String, String> spec(String key) {
        Map<String, String> keys = new java.util.HashMap<>(Map.of("url", "wss://feed.example.com/ws"));
        String value = "{{env:DB_PASSWORD}}";
        switch (key) {
            case "heartbeat.text" -> keys.putAll(Map.of("heartbeat.mode", "text", "heartbeat.expect", "text:pong"));
            case "auth.oauth2.client-secret" -> keys.putAll(Map.of("auth.oauth2.token-url",
                    "https://auth.example.com/token", "auth.oauth2.client-id", "id"));
            case "inbound.webhook.secret" -> keys.put("inbound.webhook.url", "https://hooks.example.com/in");
            default -> {
            }
        }
        keys.put(key, value);
        return keys;
    }
}
