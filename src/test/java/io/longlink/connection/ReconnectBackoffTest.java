package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {

    private static List<Long> delays(ReconnectBackoff backoff, int n) {
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            delays.add(backoff.nextDelayInMillis(new RuntimeException("down")));
        }
        return delays;
    }

    @Test
    void theMobileScheduleDoublesFromTwoSecondsUpTo1024() {
        List<Long> announced = new ArrayList<>();
        ReconnectBackoff backoff = new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1024), 0,
                () -> 0.5, announced::add);
        List<Long> expected = List.of(2000L, 4000L, 8000L, 16000L, 32000L, 64000L, 128000L, 256000L, 512000L,
                1024000L, 1024000L);
        assertEquals(expected, delays(backoff, 11));
        assertEquals(expected, announced);
    }

    @Test
    void theDelayIsCapped() {
        ReconnectBackoff backoff = new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), 0, () -> 0,
                d -> {
                });
        assertEquals(List.of(2000L, 4000L, 8000L, 16000L, 32000L, 60000L, 60000L), delays(backoff, 7));
    }

    @Test
    void jitterRandomisesTheGivenFractionBelowTheBase() {
        ReconnectBackoff lowest = new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), 0.5, () -> 0,
                d -> {
                });
        ReconnectBackoff highest = new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), 0.5,
                () -> 0.999999, d -> {
                });
        assertEquals(List.of(1000L, 2000L, 4000L), delays(lowest, 3));
        assertEquals(List.of(2000L, 4000L, 8000L), delays(highest, 3));
        ReconnectBackoff random = new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), 0.5,
                Math::random, d -> {
                });
        for (long d : delays(random, 20)) {
            assertTrue(d >= 1000 && d <= 60000, "delay " + d);
        }
    }
}
