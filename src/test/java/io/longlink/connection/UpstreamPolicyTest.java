package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

class UpstreamPolicyTest {

    private final UpstreamPolicy strict = new UpstreamPolicy(true, List.of());

    private void refused(UpstreamPolicy policy, String url, String kind) {
        UpstreamNotAllowedException e = assertThrows(UpstreamNotAllowedException.class,
                () -> policy.check(URI.create(url)));
        assertTrue(e.getMessage().contains("resolves to a " + kind + " address"), e.getMessage());
    }

    @Test
    void loopbackLinkLocalPrivateAndUnspecifiedAddressesAreRefused() {
        refused(strict, "ws://127.0.0.1:8080/feed", "loopback");
        refused(strict, "ws://localhost:8080/feed", "loopback");
        refused(strict, "ws://[::1]:8080/feed", "loopback");
        refused(strict, "ws://10.1.2.3/feed", "private");
        refused(strict, "ws://172.16.0.9/feed", "private");
        refused(strict, "ws://192.168.1.1/feed", "private");
        refused(strict, "wss://169.254.169.254/latest/meta-data", "link-local");
        refused(strict, "ws://[fe80::1]/feed", "link-local");
        refused(strict, "ws://[fd12:3456::1]/feed", "private");
        refused(strict, "ws://0.0.0.0/feed", "unspecified");
        refused(strict, "ws://[::ffff:127.0.0.1]/feed", "loopback");
    }

    @Test
    void publicAddressesPassAndAllowedHostsOrNoDenyLetPrivateOnesThrough() {
        assertDoesNotThrow(() -> strict.check(URI.create("wss://93.184.216.34/feed")));
        assertDoesNotThrow(() -> strict.check(URI.create("wss://feed.longlink.invalid/feed")),
                "an unresolvable name is checked again at connect");
        UpstreamPolicy allowing = new UpstreamPolicy(true, List.of("127.0.0.1", "*.Internal.example"));
        assertDoesNotThrow(() -> allowing.check(URI.create("ws://127.0.0.1:8080/feed")));
        assertDoesNotThrow(() -> allowing.check(URI.create("ws://feed.internal.example/feed")));
        refused(allowing, "ws://10.0.0.1/feed", "private");
        assertDoesNotThrow(() -> new UpstreamPolicy(false, List.of()).check(URI.create("ws://10.0.0.1/feed")));
    }
}
