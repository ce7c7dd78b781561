package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.longlink.connection.FakeUpstream.FakeSocket;
import io.longlink.inbox.InboundMessage;

/**
 * Feed integrity on fake time ({@link ConnectionHarness}): the stale-feed watchdog, the make-before-break rotation
 * and its hand-over (of the outbox and of requests), sequence gaps and duplicates.
 */
class FeedIntegrityTest {

    private final ConnectionHarness h = new ConnectionHarness();
    private final FakeUpstream upstream = h.upstream;

    /** Opens the connection; the first socket answers the subscribe step. */
    private FakeSocket openSubscribed() {
        h.settings.put("on-open[0].text", "subscribe");
        h.settings.put("on-open[0].expect", "text:subscribed");
        h.connection().open();
        return subscribe(upstream.last().accept());
    }

    private static FakeSocket subscribe(FakeSocket socket) {
        assertEquals("subscribe", socket.frames.get(socket.frames.size() - 1));
        socket.events.textReceived("subscribed");
        return socket;
    }

    private List<String> inboundTexts() {
        return h.inbound().stream().map(m -> m.data()).toList();
    }

    @Test
    void aFeedThatOnlyAnswersPingsIsReplacedAfterTheIdleTimeout() {
        h.settings.put("inbound.idle-timeout", "60s");
        h.settings.put("heartbeat.mode", "text");
        h.settings.put("heartbeat.text", "ping");
        h.settings.put("heartbeat.expect", "text:pong");
        FakeSocket first = openSubscribed();
        for (int i = 0; i < 5; i++) {
            h.timers.advance(Duration.ofSeconds(10));
            first.events.textReceived("pong");
        }
        first.events.textReceived("{\"price\":1}"); // data at 50 s: the feed is alive until 110 s
        for (int i = 0; i < 5; i++) {
            h.timers.advance(Duration.ofSeconds(10));
            first.events.textReceived("pong");
        }
        h.timers.advance(Duration.ofSeconds(9));
        assertEquals(ConnectionState.OPEN, h.state(), "59 s without data, pongs only");
        assertEquals(1, upstream.attempts.size());
        h.timers.advance(Duration.ofSeconds(1));
        assertEquals(List.of(1000), first.closeCodes);
        assertEquals(2, upstream.attempts.size(), "reconnected at once");
        assertEquals("no inbound message for 60s", h.connection().status().lastError());
        subscribe(upstream.last().accept());
        assertEquals(ConnectionState.OPEN, h.state());
        assertEquals(2, h.connection().generation());
    }

    @Test
    void rotationHandsTheOutboxOverOnceTheNewSocketIsReadyAndTheOldWritesCompleted() {
        h.settings.put("rotate-after", "1h");
        h.settings.put("heartbeat.interval", "3h");
        FakeSocket old = openSubscribed();
        h.send("m0");
        h.timers.advance(Duration.ofHours(1));
        assertEquals(2, upstream.attempts.size(), "the new socket is being made while the old one serves");
        h.send("m1");
        old.holdWrites = true;
        h.send("m2"); // in flight on the old socket
        FakeSocket fresh = subscribe(upstream.last().accept());
        h.send("m3");
        assertEquals(List.of("subscribe"), fresh.frames, "nothing before the old socket's writes completed");
        assertEquals(List.of(), old.closeCodes);
        old.events.textReceived("old still logged");
        fresh.events.textReceived("new already logged");
        old.completeWrites();
        assertEquals(List.of("subscribe", "m0", "m1", "m2"), old.frames);
        assertEquals(List.of("subscribe", "m3"), fresh.frames);
        assertEquals(List.of(1000), old.closeCodes, "closed after the new socket's steps");
        assertEquals(2, h.connection().generation());
        assertEquals(List.of("CONNECTING", "OPEN"), h.eventStates(), "OPEN throughout");
        assertTrue(inboundTexts().containsAll(List.of("old still logged", "new already logged")));
        old.events.textReceived("after its close");
        assertTrue(!inboundTexts().contains("after its close"));
        h.send("m4");
        assertEquals(List.of("subscribe", "m3", "m4"), fresh.frames);
        h.timers.advance(Duration.ofHours(1));
        assertEquals(3, upstream.attempts.size(), "the new socket rotates in its turn");
    }

    @Test
    void aNewSocketThatCannotBeMadeReadyLeavesTheOldOneInUseAndIsRetriedWithBackoff() {
        h.settings.put("rotate-on", "json:/type=reconnect");
        FakeSocket old = openSubscribed();
        old.events.textReceived("{\"type\":\"reconnect\"}");
        upstream.last().refuse();
        assertEquals(ConnectionState.OPEN, h.state());
        assertTrue(h.connection().status().lastError().startsWith("rotation failed: "),
                h.connection().status().lastError());
        h.send("m0");
        assertEquals(List.of("subscribe", "m0"), old.frames);
        assertEquals(2, upstream.attempts.size());
        h.timers.advance(Duration.ofMillis(1999));
        assertEquals(2, upstream.attempts.size(), "retried after reconnect.initial-delay");
        h.timers.advance(Duration.ofMillis(1));
        assertEquals(3, upstream.attempts.size());
        upstream.last().refuse();
        h.timers.advance(Duration.ofMillis(3999));
        assertEquals(3, upstream.attempts.size(), "the delay doubles");
        h.timers.advance(Duration.ofMillis(1));
        FakeSocket fresh = subscribe(upstream.last().accept());
        assertEquals(List.of(1000), old.closeCodes);
        h.send("m1");
        assertEquals(List.of("subscribe", "m1"), fresh.frames);
        assertEquals(List.of("CONNECTING", "OPEN"), h.eventStates());
    }

    @Test
    void aRotationMovesRequestsToTheNewSocketAndClosesTheOldOneOnceTheRequestsItWroteHaveTheirAnswers() {
        FakeSocket old = openRotatingOnNotice();
        CompletableFuture<Reply> a = request("{\"id\":\"a\"}", Duration.ofSeconds(10));
        CompletableFuture<Reply> b = request("{\"id\":\"b\"}", Duration.ofSeconds(5));
        old.events.textReceived("reconnect");
        assertEquals(2, upstream.attempts.size(), "the new socket is being made while the old one serves");
        CompletableFuture<Reply> c = request("{\"id\":\"c\"}", Duration.ofSeconds(10));
        FakeSocket fresh = subscribe(upstream.last().accept());
        CompletableFuture<Reply> d = request("{\"id\":\"d\"}", Duration.ofSeconds(10));
        assertEquals(List.of("subscribe", "{\"id\":\"a\"}", "{\"id\":\"b\"}", "{\"id\":\"c\"}"), old.frames);
        assertEquals(List.of("subscribe", "{\"id\":\"d\"}"), fresh.frames, "each request on exactly one socket");
        assertEquals(2, h.connection().generation());
        assertEquals(List.of(), old.closeCodes, "the old socket waits for the replies to what it wrote");
        old.events.textReceived("{\"id\":\"c\",\"result\":3}");
        old.events.textReceived("{\"id\":\"a\",\"result\":1}");
        fresh.events.textReceived("{\"id\":\"d\",\"result\":4}");
        assertEquals("{\"id\":\"a\",\"result\":1}", a.join().body());
        assertEquals("{\"id\":\"c\",\"result\":3}", c.join().body());
        assertEquals("{\"id\":\"d\",\"result\":4}", d.join().body());
        assertEquals(List.of(), old.closeCodes, "b still has time for its reply");
        h.timers.advance(Duration.ofSeconds(5));
        assertEquals(RequestOutcome.REPLY_TIMEOUT, outcome(b));
        assertEquals(List.of(1000), old.closeCodes, "closed once the last request it wrote has its answer");
        assertTrue(!h.requestOutcomes.contains(RequestOutcome.SOCKET_LOST), "a rotation loses no request");
        assertEquals(ConnectionState.OPEN, h.state());
    }

    @Test
    void aSocketHandedOverAndStillWaitingForRepliesClosesWithTheConnection() {
        FakeSocket old = openRotatingOnNotice();
        CompletableFuture<Reply> a = request("{\"id\":\"a\"}", Duration.ofSeconds(10));
        old.events.textReceived("reconnect");
        FakeSocket fresh = subscribe(upstream.last().accept());
        assertEquals(List.of(), old.closeCodes, "waiting for a's reply");
        h.connection().close();
        assertEquals(List.of(1000), old.closeCodes, "no socket stays open after the operator's close");
        assertEquals(List.of(1000), fresh.closeCodes);
        assertEquals(RequestOutcome.SOCKET_LOST, outcome(a));
    }

    /** Opens the connection with {@code rotate-on text:reconnect}: the upstream's notice starts a rotation. */
    private FakeSocket openRotatingOnNotice() {
        h.settings.put("rotate-on", "text:reconnect");
        h.settings.put("heartbeat.interval", "3h");
        return openSubscribed();
    }

    private static RequestOutcome outcome(CompletableFuture<Reply> failed) {
        return ((RequestFailedException) assertThrows(CompletionException.class, failed::join).getCause()).outcome();
    }

    private CompletableFuture<Reply> request(String json, Duration timeout) {
        return h.connection().request(json.getBytes(StandardCharsets.UTF_8), timeout).toCompletableFuture();
    }

    @Test
    void theOldSocketLostDuringARotationAbortsTheIncomingOneAndReconnects() {
        h.settings.put("rotate-after", "1h");
        h.settings.put("heartbeat.interval", "3h");
        FakeSocket old = openSubscribed();
        h.timers.advance(Duration.ofHours(1));
        FakeSocket incoming = upstream.last().accept();
        old.events.closed(1011, "boom");
        assertEquals(List.of(1000), incoming.closeCodes, "the half-made socket is closed");
        assertEquals(3, upstream.attempts.size());
        subscribe(upstream.last().accept());
        assertEquals(ConnectionState.OPEN, h.state());
    }

    @Test
    void aGapInOneScopeIsReportedAndTheMessageLogged() {
        h.settings.put("inbound.sequence.pointer", "/seq");
        h.settings.put("inbound.sequence.scope", "/sym");
        h.settings.put("inbound.sequence.on-gap", "record");
        FakeSocket socket = openSubscribed();
        for (String text : List.of("{\"sym\":\"A\",\"seq\":1}", "{\"sym\":\"B\",\"seq\":10}", "{\"sym\":\"A\",\"seq\":2}",
                "{\"sym\":\"A\",\"seq\":4}", "{\"sym\":\"B\",\"seq\":11}", "{\"no\":\"sequence\"}")) {
            socket.events.textReceived(text);
        }
        assertEquals(1, h.connection().status().gaps());
        List<GapEvent> gaps = h.gaps();
        assertEquals(1, gaps.size());
        assertEquals("A", gaps.get(0).scope());
        assertEquals(3, gaps.get(0).expected());
        assertEquals(4, gaps.get(0).got());
        assertEquals(ConnectionHarness.ID, gaps.get(0).connection());
        assertEquals(7, h.inbound().size(), "every message is logged, the subscribed reply too");
        assertEquals(ConnectionState.OPEN, h.state());
        assertEquals(List.of(), socket.closeCodes);
    }

    @Test
    void resyncReplacesTheSocketAndTheNextSocketStartsANewRun() {
        h.settings.put("inbound.sequence.pointer", "/seq");
        FakeSocket first = openSubscribed();
        first.events.textReceived("{\"seq\":1}");
        first.events.textReceived("{\"seq\":3}");
        assertEquals(List.of(1000), first.closeCodes);
        assertEquals("gap in the sequence: expected 2, got 3", h.connection().status().lastError());
        assertNull(h.gaps().get(0).scope());
        FakeSocket second = subscribe(upstream.last().accept());
        second.events.textReceived("{\"seq\":2}"); // a snapshot from an older point starts a new run
        second.events.textReceived("{\"seq\":3}");
        assertEquals(1, h.connection().status().gaps());
        assertEquals(List.of(), second.closeCodes);
        assertEquals(0, h.connection().status().duplicatesDropped(), "no overlap: nothing is a duplicate");
    }

    @Test
    void duringAnOverlapMessagesNotNewerThanTheLastLoggedAreDroppedAsDuplicates() {
        h.settings.put("rotate-on", "json:/type=reconnect");
        h.settings.put("inbound.sequence.pointer", "/seq");
        FakeSocket old = openSubscribed();
        for (int seq = 1; seq <= 5; seq++) {
            old.events.textReceived("{\"seq\":" + seq + "}");
        }
        old.events.textReceived("{\"type\":\"reconnect\"}");
        FakeSocket fresh = upstream.last().accept();
        for (int seq = 3; seq <= 6; seq++) {
            fresh.events.textReceived("{\"seq\":" + seq + "}"); // its snapshot, then live
        }
        old.events.textReceived("{\"seq\":6}");
        old.events.textReceived("{\"seq\":7}");
        fresh.events.textReceived("{\"seq\":7}");
        subscribe(fresh);
        fresh.events.textReceived("{\"seq\":8}");
        List<Long> logged = new ArrayList<>();
        for (InboundMessage m : h.inbound()) {
            String text = m.data();
            if (text.startsWith("{\"seq\"")) {
                logged.add(Long.parseLong(text.replaceAll("\\D", "")));
            }
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), logged, "each once, in order, across both sockets");
        assertEquals(5, h.connection().status().duplicatesDropped());
        assertEquals(0, h.connection().status().gaps());
        assertEquals(List.of(1000), old.closeCodes);
    }

    @Test
    void aSnapshotAfterTheHandOverIsDroppedUntilTheNewSocketIsNewerThanTheLogAndAfterAPlainReconnectIsKept() {
        h.settings.put("rotate-on", "json:/type=reconnect");
        h.settings.put("inbound.sequence.pointer", "/seq");
        h.settings.put("inbound.sequence.scope", "/sym");
        FakeSocket old = openSubscribed();
        old.events.textReceived("{\"sym\":\"A\",\"seq\":1}");
        old.events.textReceived("{\"sym\":\"A\",\"seq\":2}");
        old.events.textReceived("{\"type\":\"reconnect\"}");
        FakeSocket fresh = subscribe(upstream.last().accept());
        assertEquals(List.of(1000), old.closeCodes);
        fresh.events.textReceived("{\"sym\":\"A\",\"seq\":1}"); // the snapshot, after the steps
        fresh.events.textReceived("{\"sym\":\"A\",\"seq\":2}");
        fresh.events.textReceived("{\"sym\":\"A\",\"seq\":3}");
        fresh.events.textReceived("{\"sym\":\"B\",\"seq\":1}");
        assertEquals(2, h.connection().status().duplicatesDropped());
        fresh.events.closed(1011, "gone");
        h.timers.advance(Duration.ofSeconds(2)); // lost before reconnect.stable-after: the backoff's next delay
        FakeSocket third = subscribe(upstream.last().accept());
        third.events.textReceived("{\"sym\":\"A\",\"seq\":3}"); // a plain reconnect: a new run, kept
        third.events.textReceived("{\"sym\":\"A\",\"seq\":4}");
        assertEquals(2, h.connection().status().duplicatesDropped());
        assertEquals(0, h.connection().status().gaps());
        assertEquals(List.of(), third.closeCodes);
    }
}
