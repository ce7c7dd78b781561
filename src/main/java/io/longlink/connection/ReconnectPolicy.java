package io.longlink.connection;

import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.DoubleSupplier;

import jakarta.enterprise.util.TypeLiteral;

import io.longlink.config.LonglinkConfig;
import io.smallrye.faulttolerance.api.TypedGuard;

/**
 * Builds the SmallRye Fault Tolerance retry guard that runs one reconnect cycle of a connection: the first
 * attempt at once, then retries with {@link ReconnectBackoff} until one succeeds or {@code max-attempts}
 * attempts failed. A cycle ends early, uncounted, when it is superseded ({@link CycleCancelledException}) or
 * the network is gone ({@link NetworkUnreachableException}).
 *
 * <p>The guard decides whether and how often to retry; the delay itself is waited out by the {@link ReconnectCycle}
 * on its injected timers (the guard is told a delay of 0 and {@code onDelay} hears the backoff's delay together with
 * the failure, so the cycle can raise it as the {@link RejectionPolicy} says), so the whole cycle runs on fake time
 * in tests.
 */
final class ReconnectPolicy {

    private static final TypeLiteral<CompletionStage<Void>> ATTEMPT = new TypeLiteral<>() {
    };

    /** Hears the backoff's delay before each retry, with the failure that led to it. */
    interface DelayListener {
        void delayChosen(Throwable failure, long delayMillis);
    }

    /** The guard's description: SmallRye FT tags its metrics ({@code ft_*}) with it as {@code method}. */
    private final String name;
    private final LonglinkConfig.Reconnect config;
    /** The jitter's random source, in [0, 1). */
    private final DoubleSupplier random;

    ReconnectPolicy(String name, LonglinkConfig.Reconnect config, DoubleSupplier random) {
        this.name = name;
        this.config = config;
        this.random = random;
    }

    /** Attempts in one cycle, or -1 for no limit. */
    int maxAttempts() {
        return config.maxAttempts() < 0 ? -1 : Math.max(1, config.maxAttempts());
    }

    /**
     * A guard for one new cycle; {@code onDelay} hears each backoff delay, which the next attempt waits out. A cycle
     * that continues an earlier one ({@code failedBefore} attempts already failed, see {@code reconnect.stable-after})
     * has that many fewer attempts and its backoff goes on from there.
     */
    TypedGuard<CompletionStage<Void>> newCycle(DelayListener onDelay, int failedBefore) {
        int maxRetries = maxAttempts() < 0 ? -1 : Math.max(0, maxAttempts() - 1 - failedBefore);
        return TypedGuard.create(ATTEMPT)
                .withDescription(name)
                .withRetry()
                .maxRetries(maxRetries)
                .delay(0, ChronoUnit.MILLIS)
                .jitter(0, ChronoUnit.MILLIS)
                .maxDuration(0, ChronoUnit.MILLIS)
                .abortOn(List.of(CycleCancelledException.class, NetworkUnreachableException.class,
                        UpstreamNotAllowedException.class, FatalRejectionException.class))
                .withCustomBackoff()
                .strategy(() -> {
                    ReconnectBackoff backoff = backoff().skip(failedBefore);
                    return failure -> {
                        onDelay.delayChosen(failure, backoff.nextDelayInMillis(failure));
                        return 0;
                    };
                })
                .done()
                .done()
                .build();
    }

    /** Whether {@code failed} attempts leave none for the cycle. */
    boolean exhausted(int failed) {
        return maxAttempts() >= 0 && failed >= maxAttempts();
    }

    /** The delay after the {@code failed}-th failed attempt of a cycle (the first failure: {@code initial-delay}). */
    long delayAfter(int failed) {
        return backoff().skip(Math.max(0, failed - 1)).nextDelayInMillis(null);
    }

    private ReconnectBackoff backoff() {
        return new ReconnectBackoff(config.initialDelay(), config.maxDelay(), config.jitter(), random, delay -> {
        });
    }
}
