package io.longlink.connection;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Set;

import io.longlink.config.LonglinkConfig;

/**
 * What the supervisor does when the upstream itself said no: a handshake answered with an HTTP status, or a
 * close code from the upstream (during the on-open steps or on an open socket). One table, consulted once per
 * failed attempt or lost socket:
 *
 * <table>
 * <caption>upstream's answer to action</caption>
 * <tr><th>the upstream answered</th><th>action</th><th>{@code lastError}</th></tr>
 * <tr><td>HTTP 401 or a code of {@code reconnect.unauthorized-close-codes} (default 1008), the previous answer was
 * not one</td><td>{@link Action#REFRESH}: new credentials, next attempt at once</td><td>as described</td></tr>
 * <tr><td>HTTP 401 or an unauthorized close code again, in a row</td><td>{@link Action#FAIL}</td>
 * <td>{@code unauthorized (HTTP 401)} / {@code unauthorized (close code <c>)}</td></tr>
 * <tr><td>a status of {@code reconnect.fatal-statuses}</td><td>{@link Action#FAIL}</td>
 * <td>{@code handshake rejected with HTTP status <s>}</td></tr>
 * <tr><td>a code of {@code reconnect.fatal-close-codes}</td><td>{@link Action#FAIL}</td>
 * <td>{@code closed by upstream with close code <c>}</td></tr>
 * <tr><td>HTTP 429 or 503 with a valid {@code Retry-After} (seconds or HTTP date)</td><td>{@link Action#BACKOFF},
 * not before that time, even beyond {@code max-delay}</td><td>as described</td></tr>
 * <tr><td>close code 1013 (try again later)</td><td>{@link Action#BACKOFF}, at least {@code initial-delay}
 * (also for the first retry after a drop, otherwise immediate)</td><td>as described</td></tr>
 * <tr><td>anything else</td><td>{@link Action#BACKOFF} as usual ({@link #USUAL})</td><td>as described</td></tr>
 * </table>
 *
 * <p>Stateless and thread-safe: whether the previous answer was an authorization rejection is the supervisor's to
 * remember ({@link Decision#unauthorized()}).
 */
final class RejectionPolicy {

    static final int UNAUTHORIZED = 401;
    static final int TOO_MANY_REQUESTS = 429;
    static final int SERVICE_UNAVAILABLE = 503;
    static final int POLICY_VIOLATION = 1008;
    static final int TRY_AGAIN_LATER = 1013;

    /** What the supervisor does next. */
    enum Action {
        /** Retry on the backoff schedule (bounded below by {@link Decision#notBefore()}, when set). */
        BACKOFF,
        /** Drop the held credentials and retry at once. */
        REFRESH,
        /** End the cycle: {@code FAILED} with {@link Decision#error()}. */
        FAIL
    }

    /**
     * What the upstream said: the handshake's HTTP status and its {@code Retry-After}, or the close code; all null
     * when the attempt failed otherwise (network, timeout, on-open step).
     */
    record Rejection(Integer status, String retryAfter, Integer closeCode) {
        static final Rejection NONE = new Rejection(null, null, null);

        static Rejection status(int status, String retryAfter) {
            return new Rejection(status, retryAfter, null);
        }

        static Rejection closeCode(Integer code) {
            return code == null ? NONE : new Rejection(null, null, code);
        }
    }

    /**
     * The action; {@code error} replaces the description in {@code lastError} when not null; the next attempt is not
     * before {@code notBefore} when not null; {@code unauthorized}: this was an authorization rejection (401, 1008).
     */
    record Decision(Action action, String error, Instant notBefore, boolean unauthorized) {
    }

    /** Nothing to add to the usual backoff. */
    static final Decision USUAL = new Decision(Action.BACKOFF, null, null, false);

    private final Set<Integer> fatalStatuses;
    private final Set<Integer> fatalCloseCodes;
    /** Close codes that mean the credentials were refused ({@code reconnect.unauthorized-close-codes}). */
    private final Set<Integer> unauthorizedCloseCodes;
    private final Duration initialDelay;

    RejectionPolicy(Set<Integer> fatalStatuses, Set<Integer> fatalCloseCodes, Duration initialDelay) {
        this(fatalStatuses, fatalCloseCodes, Set.of(POLICY_VIOLATION), initialDelay);
    }

    RejectionPolicy(Set<Integer> fatalStatuses, Set<Integer> fatalCloseCodes, Set<Integer> unauthorizedCloseCodes,
            Duration initialDelay) {
        this.fatalStatuses = Set.copyOf(fatalStatuses);
        this.fatalCloseCodes = Set.copyOf(fatalCloseCodes);
        this.unauthorizedCloseCodes = Set.copyOf(unauthorizedCloseCodes);
        this.initialDelay = initialDelay;
    }

    static RejectionPolicy of(LonglinkConfig.Reconnect config) {
        return new RejectionPolicy(Set.copyOf(config.fatalStatuses()), Set.copyOf(config.fatalCloseCodes()),
                Set.copyOf(config.unauthorizedCloseCodes()), config.initialDelay());
    }

    /** The action for {@code rejection}, given whether the previous answer was an authorization rejection. */
    Decision decide(Rejection rejection, boolean unauthorizedBefore, Instant now) {
        Integer status = rejection.status();
        Integer code = rejection.closeCode();
        if (status != null && status == UNAUTHORIZED || code != null && unauthorizedCloseCodes.contains(code)) {
            String error = status != null ? "unauthorized (HTTP 401)" : "unauthorized (close code " + code + ")";
            return unauthorizedBefore ? new Decision(Action.FAIL, error, null, true)
                    : new Decision(Action.REFRESH, null, null, true);
        }
        if (status != null && fatalStatuses.contains(status)) {
            return new Decision(Action.FAIL, "handshake rejected with HTTP status " + status, null, false);
        }
        if (code != null && fatalCloseCodes.contains(code)) {
            return new Decision(Action.FAIL, "closed by upstream with close code " + code, null, false);
        }
        if (status != null && (status == TOO_MANY_REQUESTS || status == SERVICE_UNAVAILABLE)) {
            Instant retryAt = retryAfter(rejection.retryAfter(), now);
            return retryAt == null ? USUAL : new Decision(Action.BACKOFF, null, retryAt, false);
        }
        if (code != null && code == TRY_AGAIN_LATER) {
            return new Decision(Action.BACKOFF, null, now.plus(initialDelay), false);
        }
        return USUAL;
    }

    /** The delay before the next attempt: the backoff's, raised to {@code notBefore}; none after a refresh. */
    static long delayMillis(Decision decision, long backoffMillis, Instant now) {
        if (decision.action() == Action.REFRESH) {
            return 0;
        }
        if (decision.notBefore() == null) {
            return backoffMillis;
        }
        return Math.max(backoffMillis, Duration.between(now, decision.notBefore()).toMillis());
    }

    /** {@code Retry-After} as a point in time: delta-seconds or an HTTP date; null when absent or unreadable. */
    static Instant retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return now.plusSeconds(Long.parseLong(v));
            } catch (NumberFormatException | ArithmeticException e) {
                return null;
            }
        }
        try {
            return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
