package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.longlink.connection.FakeUpstream.FakeSocket;
import io.longlink.inbox.InboundMessage;
import io.longlink.session.SessionPlan;

/**
 * Request and reply on fake time ({@link ConnectionHarness}): correlation by id, fresh ids, the in-flight limit, every
 * way a request ends, written at most once, and the one send path it shares with the outbox.
 */
class RequestReplyTest {

    private final ConnectionHarness h = new ConnectionHarness();

    private CompletableFuture<Reply> request(String json) {
        return request(json, Duration.ofSeconds(10));
    }

    private CompletableFuture<Reply> request(String json, Duration timeout) {
        return h.connection().request(json.getBytes(StandardCharsets.UTF_8), timeout).toCompletableFuture();
    }

    private FakeSocket openSocket() {
        h.connection().open();
        FakeSocket socket = h.upstream.last().accept();
        assertEquals(ConnectionState.OPEN, h.state());
        return socket;
    }

    private static RequestFailedException failure(CompletableFuture<Reply> answer) {
        assertTrue(answer.isCompletedExceptionally(), "the request failed");
        CompletionException e = assertThrows(CompletionException.class, answer::join);
        return (RequestFailedException) e.getCause();
    }

    private List<String> inboundTexts() {
        return h.inbound().stream().map(InboundMessage::data).toList();
    }

    @Test
    void repliesAnswerTheirOwnRequestsInWhateverOrderTheyCome() {
        FakeSocket socket = openSocket();
        CompletableFuture<Reply> a = request("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"eth_blockNumber\"}");
        CompletableFuture<Reply> b = request("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_chainId\"}");
        assertEquals(List.of("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"eth_blockNumber\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_chainId\"}"), socket.frames,
                "a request with an id goes out byte for byte");
        h.timers.advance(Duration.ofMillis(30));
        socket.events.textReceived("{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{}}");
        socket.events.textReceived("{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"result\":\"0x1\"}");
        assertFalse(a.isDone(), "a notification and another request's reply are not a's reply");
        h.timers.advance(Duration.ofMillis(20));
        socket.events.textReceived("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":\"0x10\"}");
        assertEquals(new Reply("7", "{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"result\":\"0x1\"}", 30_000_000L), b.join(),
                "7 echoed as \"7\" is still its reply");
        assertEquals(new Reply("a", "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":\"0x10\"}", 50_000_000L), a.join());
        assertEquals(3, inboundTexts().size(), "replies are logged like any inbound message");
        assertEquals(List.of(RequestOutcome.REPLIED, RequestOutcome.REPLIED), h.requestOutcomes);
    }

    @Test
    void withoutAnIdAFreshNumberIsSetAtThePointerAndEveryOneIsNew() {
        h.settings.put("requests.id-pointer", "/meta/request");
        h.settings.put("requests.reply-pointer", "/re");
        FakeSocket socket = openSocket();
        CompletableFuture<Reply> first = request("{\"op\":\"ping\"}");
        CompletableFuture<Reply> second = request("{\"op\":\"ping\",\"meta\":{\"user\":1}}");
        long base = ConnectionHarness.START.toEpochMilli() * 1000;
        assertEquals(List.of("{\"op\":\"ping\",\"meta\":{\"request\":" + (base + 1) + "}}",
                "{\"op\":\"ping\",\"meta\":{\"user\":1,\"request\":" + (base + 2) + "}}"), socket.frames);
        socket.events.textReceived("{\"re\":" + (base + 2) + "}");
        socket.events.textReceived("{\"re\":" + (base + 1) + "}");
        assertEquals(Long.toString(base + 1), first.join().requestId());
        assertEquals(Long.toString(base + 2), second.join().requestId());

        // a later process (a restart) numbers on from its own start: never an id an earlier one used
        ConnectionHarness later = new ConnectionHarness();
        later.timers.advance(Duration.ofMillis(1));
        later.settings.put("requests.id-pointer", "/meta/request");
        long next = new PendingRequests("feed", RequestIds.of(later.config().requests()), later.timers, later.clock,
                (id, nanos) -> {
                }).freshId();
        assertTrue(next > base + 2, "fresh ids of a later start are above every earlier one");
    }

    @Test
    void aSecondRequestWithAnIdInFlightIsRefusedAndTheIdIsFreeAgainOnceAnswered() {
        FakeSocket socket = openSocket();
        CompletableFuture<Reply> first = request("{\"id\":1,\"method\":\"buy\"}");
        RequestFailedException duplicate = failure(request("{\"id\":1,\"method\":\"sell\"}"));
        assertEquals(RequestOutcome.DUPLICATE_REQUEST_ID, duplicate.outcome());
        assertEquals(List.of("{\"id\":1,\"method\":\"buy\"}"), socket.frames, "the duplicate was never written");
        socket.events.textReceived("{\"id\":1,\"result\":\"ok\"}");
        first.join();
        CompletableFuture<Reply> again = request("{\"id\":1,\"method\":\"sell\"}");
        socket.events.textReceived("{\"id\":1,\"result\":\"sold\"}");
        assertEquals("{\"id\":1,\"result\":\"sold\"}", again.join().body());
    }

    @Test
    void beyondTheInFlightLimitARequestIsRefusedUnsent() {
        h.settings.put("requests.max-in-flight", "2");
        FakeSocket socket = openSocket();
        request("{\"id\":1}");
        request("{\"id\":2}");
        RequestFailedException refused = failure(request("{\"id\":3}"));
        assertEquals(RequestOutcome.TOO_MANY_REQUESTS, refused.outcome());
        assertEquals(2, socket.frames.size());
        socket.events.textReceived("{\"id\":1}");
        request("{\"id\":3}");
        assertEquals(3, socket.frames.size(), "an answered request frees its place");
    }

    @Test
    void writtenWithoutAReplyInTimeIsAReplyTimeoutAndALateReplyIsOnlyLogged() {
        FakeSocket socket = openSocket();
        CompletableFuture<Reply> answer = request("{\"id\":\"slow\"}", Duration.ofSeconds(2));
        h.timers.advance(Duration.ofMillis(1999));
        assertFalse(answer.isDone());
        h.timers.advance(Duration.ofMillis(1));
        RequestFailedException timedOut = failure(answer);
        assertEquals(RequestOutcome.REPLY_TIMEOUT, timedOut.outcome());
        assertEquals("slow", timedOut.requestId());
        assertTrue(timedOut.getMessage().contains("outcome is unknown"), timedOut.getMessage());
        socket.events.textReceived("{\"id\":\"slow\",\"result\":1}");
        assertEquals(List.of("{\"id\":\"slow\",\"result\":1}"), inboundTexts(), "a late reply is kept like any message");

        socket.events.closed(1001, "restart");
        FakeSocket next = h.upstream.last().accept();
        assertEquals(List.of(), next.frames, "a request is never written again");
    }

    @Test
    void aRequestThatFindsNoSocketInTimeIsWithdrawnAndNeverWrittenLater() {
        CompletableFuture<Reply> answer = request("{\"id\":\"early\"}", Duration.ofSeconds(1));
        h.timers.advance(Duration.ofSeconds(1));
        RequestFailedException notSent = failure(answer);
        assertEquals(RequestOutcome.NOT_SENT, notSent.outcome());
        assertTrue(notSent.getMessage().contains("never be written"), notSent.getMessage());
        FakeSocket socket = openSocket();
        h.send("after");
        assertEquals(List.of("after"), socket.frames);
        assertEquals(List.of(RequestOutcome.NOT_SENT), h.requestOutcomes);
    }

    @Test
    void aRequestWaitingForASocketIsWrittenOnceOneIsReady() {
        CompletableFuture<Reply> answer = request("{\"id\":\"patient\"}");
        FakeSocket socket = openSocket();
        assertEquals(List.of("{\"id\":\"patient\"}"), socket.frames);
        socket.events.textReceived("{\"id\":\"patient\",\"result\":true}");
        assertEquals("patient", answer.join().requestId());
    }

    @Test
    void theSocketEndingAfterTheWriteIsSocketLostAndTheNextSocketNeverGetsIt() {
        FakeSocket socket = openSocket();
        CompletableFuture<Reply> answer = request("{\"id\":\"order-1\"}");
        CompletableFuture<Reply> second = request("{\"id\":\"order-2\"}");
        socket.events.textReceived("{\"id\":\"order-2\"}");
        socket.events.failed(new java.io.IOException("Connection reset"));
        RequestFailedException lost = failure(answer);
        assertEquals(RequestOutcome.SOCKET_LOST, lost.outcome());
        assertEquals("order-2", second.join().requestId(), "what was answered stays answered");
        h.timers.advance(Duration.ofSeconds(2)); // lost before reconnect.stable-after: the backoff's first delay
        FakeSocket next = h.upstream.last().accept();
        h.send("m");
        assertEquals(List.of("m"), next.frames, "never replayed on a new socket");
    }

    @Test
    void aWriteThatFailsIsSocketLostNeverRetried() {
        FakeSocket socket = openSocket();
        socket.failWritesAfter = 0;
        CompletableFuture<Reply> answer = request("{\"id\":\"x\"}");
        assertEquals(RequestOutcome.SOCKET_LOST, failure(answer).outcome());
        h.timers.advance(Duration.ofSeconds(2)); // lost before reconnect.stable-after: the backoff's first delay
        FakeSocket next = h.upstream.last().accept();
        h.send("m");
        assertEquals(List.of("m"), next.frames);
    }

    @Test
    void requestsAndOutboxMessagesLeaveInArrivalOrder() {
        h.send("M1");
        CompletableFuture<Reply> r = request("{\"id\":\"R\"}");
        h.send("M2");
        FakeSocket socket = openSocket();
        assertEquals(List.of("M1", "{\"id\":\"R\"}", "M2"), socket.frames, "queued while closed");

        socket.holdWrites = true;
        h.send("M3");
        h.send("M4");
        CompletableFuture<Reply> r2 = request("{\"id\":\"R2\"}");
        h.send("M5");
        socket.completeWrites();
        socket.completeWrites();
        socket.completeWrites();
        assertEquals(List.of("M1", "{\"id\":\"R\"}", "M2", "M3", "M4", "{\"id\":\"R2\"}", "M5"), socket.frames,
                "behind a write in flight");
        socket.events.textReceived("{\"id\":\"R2\"}");
        socket.events.textReceived("{\"id\":\"R\"}");
        assertEquals("R", r.join().requestId());
        assertEquals("R2", r2.join().requestId());
    }

    @Test
    void withLogRepliesOffRepliesStayOutOfTheInboundLog() {
        h.settings.put("requests.log-replies", "false");
        FakeSocket socket = openSocket();
        CompletableFuture<Reply> answer = request("{\"id\":1}");
        socket.events.textReceived("{\"id\":1,\"result\":2}");
        socket.events.textReceived("{\"id\":1,\"result\":\"again\"}");
        assertEquals("{\"id\":1,\"result\":2}", answer.join().body());
        assertEquals(List.of("{\"id\":1,\"result\":\"again\"}"), inboundTexts(),
                "only the reply is left out; a message that answers nothing is kept");
    }

    @Test
    void aMessageCarryingTheIdOfAnUnwrittenRequestIsNoReply() {
        CompletableFuture<Reply> answer = request("{\"id\":5}");
        h.connection().open();
        FakeSocket socket = h.upstream.last().accept();
        socket.events.textReceived("{\"id\":5,\"result\":\"answer\"}");
        assertEquals("5", answer.join().requestId());
        assertEquals(List.of("{\"id\":5}"), socket.frames);
    }

    @Test
    void bodiesThatCannotCarryAnIdAreRefusedAndNothingIsSent() {
        FakeSocket socket = openSocket();
        assertThrows(InvalidRequestException.class, () -> request("{\"id\":"));
        assertThrows(InvalidRequestException.class, () -> request("[1,2]"));
        assertThrows(InvalidRequestException.class, () -> request("{\"id\":{\"n\":1}}"));
        assertThrows(InvalidRequestException.class, () -> request("\"text\""));
        assertEquals(List.of(), socket.frames);
        assertEquals(List.of(), h.requestOutcomes);
    }

    @Test
    void badRequestSettingsAreRefusedNamingTheKey() {
        assertRefused("requests.id-pointer", "id");
        assertRefused("requests.reply-pointer", "result~2");
        assertRefused("requests.max-in-flight", "0");
        assertRefused("requests.max-timeout", "1s");
    }

    private void assertRefused(String key, String value) {
        ConnectionHarness fresh = new ConnectionHarness();
        fresh.settings.put(key, value);
        SessionPlan.InvalidSettingException e = assertThrows(SessionPlan.InvalidSettingException.class,
                () -> RequestIds.of(fresh.config().requests()));
        assertEquals(key, e.key());
    }
}
