package io.longlink.session;

import java.time.Duration;

import io.longlink.config.LonglinkConfig;

/**
 * How a connection checks that its feed is whole, checked and compiled once from the configuration: the stale-feed
 * watchdog ({@code inbound.idle-timeout}), the make-before-break rotation ({@code rotate-after}, {@code rotate-on})
 * and the upstream's sequence numbers ({@code inbound.sequence.*}). A setting that cannot work is refused with an
 * {@link SessionPlan.InvalidSettingException} naming its key.
 *
 * @param idleTimeout no data message for this long makes the socket stale; null: never
 * @param rotateAfter a socket open this long is rotated; null: never
 * @param rotateOn an inbound message matching it starts a rotation; null: none
 * @param sequence where the sequence number is, or null when sequences are not checked
 * @param scope where the value that separates sequences is, or null for one sequence
 * @param onGap what a gap does
 */
public record FeedPlan(Duration idleTimeout, Duration rotateAfter, Matcher rotateOn, JsonScan sequence,
        JsonScan scope, LonglinkConfig.OnGap onGap) {

    /** Checks and compiles a connection's feed settings. */
    public static FeedPlan of(LonglinkConfig.ConnectionConfig config) {
        LonglinkConfig.Sequence seq = config.inbound().sequence();
        Duration idle = positive("inbound.idle-timeout", config.inbound().idleTimeout().orElse(null));
        Duration rotate = positive("rotate-after", config.rotateAfter().orElse(null));
        Matcher rotateOn = null;
        if (config.rotateOn().isPresent()) {
            try {
                rotateOn = Matcher.parse(config.rotateOn().get());
            } catch (IllegalArgumentException e) {
                throw new SessionPlan.InvalidSettingException("rotate-on", e.getMessage());
            }
        }
        JsonScan sequence = seq.pointer().map(p -> scan("inbound.sequence.pointer", p)).orElse(null);
        JsonScan scope = seq.scope().map(p -> scan("inbound.sequence.scope", p)).orElse(null);
        if (scope != null && sequence == null) {
            throw new SessionPlan.InvalidSettingException("inbound.sequence.scope",
                    "needs inbound.sequence.pointer (the sequence number to check per scope)");
        }
        return new FeedPlan(idle, rotate, rotateOn, sequence, scope, seq.onGap());
    }

    /** Whether the socket is rotated at all. */
    public boolean rotates() {
        return rotateAfter != null || rotateOn != null;
    }

    private static Duration positive(String key, Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new SessionPlan.InvalidSettingException(key, "must be positive");
        }
        return value;
    }

    private static JsonScan scan(String key, String pointer) {
        try {
            return JsonScan.of(pointer);
        } catch (IllegalArgumentException e) {
            throw new SessionPlan.InvalidSettingException(key, e.getMessage());
        }
    }
}
