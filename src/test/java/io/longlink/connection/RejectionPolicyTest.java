package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.longlink.connection.RejectionPolicy.Action;
import io.longlink.connection.RejectionPolicy.Decision;
import io.longlink.connection.RejectionPolicy.Rejection;

/** The rejection table, row by row. */
class RejectionPolicyTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private final RejectionPolicy policy = new RejectionPolicy(Set.of(400, 403, 404, 410),
            Set.of(1002, 1003, 1007, 1009, 1010), Duration.ofSeconds(2));

    private Decision decide(Rejection r, boolean unauthorizedBefore) {
        return policy.decide(r, unauthorizedBefore, NOW);
    }

    @Test
    void unauthorizedRefreshesOnceThenFails() {
        Decision first = decide(Rejection.status(401, null), false);
        assertEquals(Action.REFRESH, first.action());
        assertTrue(first.unauthorized());
        assertEquals(0, RejectionPolicy.delayMillis(first, 8000, NOW), "the retry after a refresh is immediate");
        Decision second = decide(Rejection.status(401, null), true);
        assertEquals(Action.FAIL, second.action());
        assertEquals("unauthorized (HTTP 401)", second.error());
        assertEquals(Action.REFRESH, decide(Rejection.closeCode(1008), false).action());
        assertEquals("unauthorized (close code 1008)", decide(Rejection.closeCode(1008), true).error());
        assertEquals("unauthorized (HTTP 401)", decide(Rejection.status(401, null), true).error(),
                "a 401 after a 1008 is the second rejection in a row");
    }

    @Test
    void onlyTheUnauthorizedCloseCodesMeanCredentialsRefused() {
        RejectionPolicy custom = new RejectionPolicy(Set.of(400, 403, 404, 410), Set.of(1002, 1003),
                Set.of(4001, 4003), Duration.ofSeconds(2));
        assertEquals(RejectionPolicy.USUAL, custom.decide(Rejection.closeCode(1008), false, NOW),
                "1008 is a policy close like any other now: backoff");
        assertEquals(RejectionPolicy.USUAL, custom.decide(Rejection.closeCode(1008), true, NOW));
        Decision first = custom.decide(Rejection.closeCode(4003), false, NOW);
        assertEquals(Action.REFRESH, first.action());
        Decision second = custom.decide(Rejection.closeCode(4001), true, NOW);
        assertEquals(Action.FAIL, second.action());
        assertEquals("unauthorized (close code 4001)", second.error());
        assertEquals(Action.FAIL, custom.decide(Rejection.closeCode(1003), false, NOW).action(), "fatal stays fatal");
    }

    @Test
    void fatalStatusesAndCloseCodesFailAtOnce() {
        for (int status : new int[] { 400, 403, 404, 410 }) {
            Decision d = decide(Rejection.status(status, null), false);
            assertEquals(Action.FAIL, d.action());
            assertEquals("handshake rejected with HTTP status " + status, d.error());
        }
        for (int code : new int[] { 1002, 1003, 1007, 1009, 1010 }) {
            Decision d = decide(Rejection.closeCode(code), false);
            assertEquals(Action.FAIL, d.action());
            assertEquals("closed by upstream with close code " + code, d.error());
        }
        assertEquals(RejectionPolicy.USUAL, decide(Rejection.status(500, null), false));
        assertEquals(RejectionPolicy.USUAL, decide(Rejection.closeCode(1011), false));
        assertEquals(RejectionPolicy.USUAL, decide(Rejection.NONE, true), "a non-rejection ends the 401 streak");
        RejectionPolicy custom = new RejectionPolicy(Set.of(418), Set.of(), Duration.ofSeconds(2));
        assertEquals(Action.BACKOFF, custom.decide(Rejection.status(403, null), false, NOW).action());
        assertEquals(Action.FAIL, custom.decide(Rejection.status(418, null), false, NOW).action());
        assertEquals(Action.BACKOFF, custom.decide(Rejection.closeCode(1003), false, NOW).action());
    }

    @Test
    void retryAfterInSecondsOrAsAnHttpDateSetsTheEarliestAttemptEvenBeyondTheCap() {
        Decision seconds = decide(Rejection.status(429, "120"), false);
        assertEquals(Action.BACKOFF, seconds.action());
        assertEquals(NOW.plusSeconds(120), seconds.notBefore());
        assertEquals(120_000, RejectionPolicy.delayMillis(seconds, 8000, NOW));
        Decision date = decide(Rejection.status(503, "Tue, 01 Dec 2026 10:00:30 GMT"), false);
        assertEquals(NOW.plusSeconds(30), date.notBefore());
        assertEquals(60_000, RejectionPolicy.delayMillis(date, 60_000, NOW), "never earlier than the backoff");
        assertEquals(RejectionPolicy.USUAL, decide(Rejection.status(429, null), false));
        assertEquals(RejectionPolicy.USUAL, decide(Rejection.status(429, "soon"), false));
        assertEquals(RejectionPolicy.USUAL, decide(Rejection.status(500, "5"), false), "only 429 and 503");
        assertNull(RejectionPolicy.retryAfter("-1", NOW));
    }

    @Test
    void tryAgainLaterWaitsAtLeastTheInitialDelay() {
        Decision d = decide(Rejection.closeCode(1013), false);
        assertEquals(Action.BACKOFF, d.action());
        assertEquals(2000, RejectionPolicy.delayMillis(d, 0, NOW), "not the immediate retry after a drop");
        assertEquals(3000, RejectionPolicy.delayMillis(d, 3000, NOW), "a longer backoff stands");
    }
}
