package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;

import org.junit.jupiter.api.Test;

class UrlRedactorTest {

    @Test
    void userInfoAndSecretQueryValuesAreHidden() {
        assertEquals("wss://***@example.com:8443/feed?access_token=***&room=1&api-key=***",
                UrlRedactor.redact(URI.create("wss://bob:pw@example.com:8443/feed?access_token=abc&room=1&api-key=k")));
    }

    @Test
    void plainUrlsAreUnchanged() {
        assertEquals("ws://localhost/echo", UrlRedactor.redact(URI.create("ws://localhost/echo")));
    }
}
