package io.longlink.connection;

import java.time.Duration;

/** Durations as people write them in configuration: {@code 10s}, {@code 500ms}, {@code 2m}. */
final class DurationText {

    private DurationText() {
    }

    static String of(Duration d) {
        long millis = d.toMillis();
        if (millis % 60_000 == 0 && millis > 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }
}
