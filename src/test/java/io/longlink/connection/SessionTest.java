package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.longlink.connection.FakeUpstream.FakeSocket;
import io.longlink.session.SessionPlan;

/** On-open steps, templates and the application-level heartbeat of every socket, on fake time. */
class SessionTest {

    private final ConnectionHarness h = new ConnectionHarness();

    @TempDir
    Path dir;

    private void loginAndSubscribe() {
        h.settings.put("on-open[0].text", "{\"op\":\"login\",\"gen\":{{generation}}}");
        h.settings.put("on-open[0].expect", "json:/event=login");
        h.settings.put("on-open[1].text", "{\"op\":\"subscribe\"}");
        h.settings.put("on-open[1].expect", "json:/event=subscribed");
        h.settings.put("on-open[1].timeout", "5s");
    }

    @Test
    void stepsRunInOrderBeforeTheSocketIsOpenAndBeforeAnyQueuedMessage() {
        loginAndSubscribe();
        h.settings.put("reconnect.stable-after", "1s");
        h.send("queued before open");
        h.connection().open();
        FakeSocket socket = h.upstream.last().accept();
        assertEquals(List.of("{\"op\":\"login\",\"gen\":1}"), socket.frames);
        assertEquals(ConnectionState.CONNECTING, h.state());

        socket.events.textReceived("{\"event\":\"welcome\"}");
        assertEquals(1, socket.frames.size(), "an unrelated message does not complete the step");
        socket.events.textReceived("{\"event\":\"login\",\"ok\":true}");
        assertEquals(List.of("{\"op\":\"login\",\"gen\":1}", "{\"op\":\"subscribe\"}"), socket.frames);
        assertEquals(ConnectionState.CONNECTING, h.state());
        assertEquals(0, h.connection().generation());

        socket.events.textReceived("{\"event\":\"subscribed\"}");
        assertEquals(ConnectionState.OPEN, h.state());
        assertEquals(1, h.connection().generation());
        assertEquals(List.of("{\"op\":\"login\",\"gen\":1}", "{\"op\":\"subscribe\"}", "queued before open"),
                socket.frames);
        assertEquals(3, h.inbound().size(), "replies to steps are inbound messages too");

        // the next socket (at once after a stable one) replays the steps, with its own generation
        h.timers.advance(Duration.ofSeconds(1));
        socket.events.closed(1001, "restart");
        FakeSocket next = h.upstream.last().accept();
        assertEquals(List.of("{\"op\":\"login\",\"gen\":2}"), next.frames);
    }

    @Test
    void aStepWithoutAReplyInTimeFailsTheAttemptCountedWithBackoff() {
        loginAndSubscribe();
        h.connection().open();
        FakeSocket socket = h.upstream.last().accept();
        socket.events.textReceived("{\"event\":\"login\"}");
        h.send("must wait");
        h.timers.advance(Duration.ofMillis(4999));
        assertEquals(ConnectionState.CONNECTING, h.state());
        h.timers.advance(Duration.ofMillis(1));
        ConnectionStatus status = h.connection().status();
        assertEquals(ConnectionState.RECONNECTING, status.state());
        assertEquals(1, status.attempt());
        assertEquals("on-open[1]: no message matching json:/event=subscribed within 5s", status.lastError());
        assertEquals(List.of(1000), socket.closeCodes);
        assertEquals(List.of("{\"op\":\"login\",\"gen\":1}", "{\"op\":\"subscribe\"}"), socket.frames,
                "no outbox message before the steps completed");
        h.timers.advance(Duration.ofSeconds(2));
        assertEquals(2, h.upstream.attempts.size());
    }

    @Test
    void theSocketDroppingDuringTheStepsIsAFailedAttempt() {
        loginAndSubscribe();
        h.connection().open();
        FakeSocket socket = h.upstream.last().accept();
        socket.events.closed(1011, "login failed");
        assertEquals(ConnectionState.RECONNECTING, h.state());
        assertEquals("closed by upstream", h.connection().status().lastError());
        assertEquals(1011, h.connection().status().lastCloseCode());
    }

    @Test
    void templatesAreExpandedAtEveryAttempt() throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "first\n");
        h.variables.put("ROOM", "lobby");
        h.settings.put("headers.Authorization", "Bearer {{file:" + token + "}}");
        h.settings.put("on-open[0].text", "{\"op\":\"resume\",\"room\":\"{{env:ROOM}}\",\"after\":\"{{inbound:/offset}}\"}");
        h.settings.put("reconnect.stable-after", "1s");
        h.connection().open();
        FakeUpstream.Attempt first = h.upstream.last();
        assertEquals("Bearer first", first.headers.get("Authorization"));
        FakeSocket socket = first.accept();
        assertEquals(List.of("{\"op\":\"resume\",\"room\":\"lobby\",\"after\":\"\"}"), socket.frames);
        socket.events.textReceived("{\"offset\":41,\"data\":\"a\"}");
        socket.events.textReceived("{\"offset\":42,\"data\":\"b\"}");
        socket.events.textReceived("{\"other\":true}");

        Files.writeString(token, "second\n");
        h.timers.advance(Duration.ofSeconds(1));
        socket.events.closed(1006, null);
        FakeUpstream.Attempt second = h.upstream.last();
        assertEquals("Bearer second", second.headers.get("Authorization"));
        assertEquals(List.of("{\"op\":\"resume\",\"room\":\"lobby\",\"after\":\"42\"}"), second.accept().frames);
    }

    @Test
    void theResumeOffsetComesFromTheStoredInboundLogAfterARestart() {
        // what a restarted process finds in its durable inbound log (InboundDurabilityIT proves the log survives)
        h.inbox().appendText("{\"offset\":41}");
        h.inbox().appendText("{\"offset\":42,\"data\":\"last before the restart\"}");
        h.inbox().appendText("{\"other\":true}");
        h.settings.put("on-open[0].text", "{\"op\":\"resume\",\"after\":\"{{inbound:/offset}}\"}");
        h.connection().open();
        assertEquals(List.of("{\"op\":\"resume\",\"after\":\"42\"}"), h.upstream.last().accept().frames);
    }

    @Test
    void aTemplateThatCannotBeExpandedFailsTheAttemptWithAClearError() {
        h.settings.put("headers.Authorization", "Bearer {{file:" + dir.resolve("missing") + "}}");
        h.connection().open();
        assertTrue(h.upstream.attempts.isEmpty(), "no handshake without the header");
        ConnectionStatus status = h.connection().status();
        assertEquals(ConnectionState.RECONNECTING, status.state());
        assertEquals("{{file:" + dir.resolve("missing") + "}}: the file cannot be read (no such file)",
                status.lastError());
    }

    @Test
    void aTextHeartbeatIsAnsweredByItsMatcherAndPongsStayOutOfTheInboundLog() {
        h.settings.put("heartbeat.mode", "text");
        h.settings.put("heartbeat.text", "ping");
        h.settings.put("heartbeat.expect", "text:pong");
        h.connection().open();
        FakeSocket socket = h.upstream.last().accept();
        h.timers.advance(Duration.ofSeconds(10));
        assertEquals(List.of("ping"), socket.frames);
        assertEquals(0, socket.pings, "no protocol ping in text mode");
        socket.events.textReceived("pong");
        assertEquals(1, h.roundTrips.size());
        assertEquals(0, h.inbound().size());

        // protocol pongs do not answer a text ping
        h.timers.advance(Duration.ofSeconds(10));
        socket.events.pongReceived();
        h.timers.advance(Duration.ofSeconds(3));
        assertEquals(List.of(1011), socket.closeCodes);
        assertTrue(h.connection().status().lastError().startsWith("heartbeat: no pong within 3000 ms"));
    }

    @Test
    void keptPongsReachTheInboundLog() {
        h.settings.put("heartbeat.mode", "text");
        h.settings.put("heartbeat.text", "{\"op\":\"ping\"}");
        h.settings.put("heartbeat.expect", "json:/op=pong");
        h.settings.put("heartbeat.keep-pongs", "true");
        h.connection().open();
        FakeSocket socket = h.upstream.last().accept();
        h.timers.advance(Duration.ofSeconds(10));
        socket.events.textReceived("{\"op\":\"pong\"}");
        assertEquals(1, h.roundTrips.size());
        assertEquals(1, h.inbound().size());
    }

    @Test
    void everyStateChangeIsAnEventWithItsReason() {
        h.settings.put("reconnect.stable-after", "1s");
        h.connection().open();
        FakeSocket socket = h.upstream.last().accept();
        h.timers.advance(Duration.ofSeconds(1));
        socket.events.closed(1011, "bye");
        h.upstream.last().refuse();
        h.timers.advance(Duration.ofSeconds(2));
        h.upstream.last().accept();
        h.connection().close().toCompletableFuture().join();
        assertEquals(List.of("CONNECTING", "OPEN", "CONNECTING", "RECONNECTING", "CONNECTING", "OPEN", "CLOSING",
                "CLOSED"), h.eventStates());
        List<ConnectionEvent> events = h.stateChanges();
        assertEquals("open requested", events.get(0).reason());
        assertEquals("open (generation 1)", events.get(1).reason());
        assertEquals("socket lost: closed by upstream (close code 1011)", events.get(2).reason());
        assertEquals(ConnectionState.OPEN, events.get(2).previous());
        assertTrue(events.get(3).reason().startsWith("attempt 1 failed (connect failed: Connection refused)"),
                events.get(3).reason());
        assertEquals(2, events.get(5).generation());
        for (int i = 1; i < events.size(); i++) {
            assertEquals(events.get(i - 1).seq() + 1, events.get(i).seq());
        }
        assertEquals(List.of(), h.events.read(events.get(events.size() - 1).seq(), 10, id -> true));
        assertEquals(List.of(), h.events.read(0, 10, "another"::equals));
    }

    @Test
    void badSettingsAreRefusedNamingTheKey() {
        assertRefused("on-open[0].expect", "json:event=x", "on-open[0].expect: 'event' is not a JSON Pointer");
        assertRefused("on-open[0].expect", "regex:([a-z", "on-open[0].expect: the regex does not compile");
        h.settings.put("on-open[0].binary", "AAEC");
        assertRefused("on-open[0].text", "x", "on-open[0]: a step sends either text or binary, not both");
        assertRefused("heartbeat.mode", "text", "heartbeat.text: required with heartbeat.mode=text");
        assertRefused("on-open[1].text", "{{nope}}", "on-open[1].text: unknown placeholder {{nope}}");
    }

    private void assertRefused(String key, String value, String messageStart) {
        ConnectionHarness fresh = new ConnectionHarness();
        fresh.settings.putAll(h.settings);
        fresh.settings.put(key, value);
        SessionPlan.InvalidSettingException e = assertThrows(SessionPlan.InvalidSettingException.class,
                () -> SessionPlan.of(fresh.config()));
        assertTrue(e.getMessage().startsWith(messageStart), "got: " + e.getMessage());
    }
}
