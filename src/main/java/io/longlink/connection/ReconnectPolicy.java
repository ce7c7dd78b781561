package io.longlink.connection;

import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;

import jakarta.enterprise.util.TypeLiteral;

import io.longlink.config.LonglinkConfig;
import io.smallrye.faulttolerance.api.TypedGuard;

/**
 * Builds the SmallRye Fault Tolerance retry guard that runs one reconnect cycle of a connection: the first
 * attempt at once, then retries with {@link ReconnectBackoff} until one succeeds or {@code max-attempts}
 * attempts failed. A cycle ends early, uncounted, when it is superseded ({@link CycleCancelledException}) or
 * the network is gone ({@link NetworkUnreachableException}).
 */
final class ReconnectPolicy {

    private static final TypeLiteral<CompletionStage<Void>> ATTEMPT = new TypeLiteral<>() {
    };

    private final String connectionId;
    private final LonglinkConfig.Reconnect config;

    ReconnectPolicy(String connectionId, LonglinkConfig.Reconnect config) {
        this.connectionId = connectionId;
        this.config = config;
    }

    /** Attempts in one cycle, or -1 for no limit. */
    int maxAttempts() {
        return config.maxAttempts() < 0 ? -1 : Math.max(1, config.maxAttempts());
    }

    /** A guard for one new cycle; {@code onDelay} hears each backoff delay just before it starts. */
    TypedGuard<CompletionStage<Void>> newCycle(LongConsumer onDelay) {
        int maxRetries = maxAttempts() < 0 ? -1 : maxAttempts() - 1;
        return TypedGuard.create(ATTEMPT)
                .withDescription("reconnect " + connectionId)
                .withRetry()
                .maxRetries(maxRetries)
                .delay(0, ChronoUnit.MILLIS)
                .jitter(0, ChronoUnit.MILLIS)
                .maxDuration(0, ChronoUnit.MILLIS)
                .abortOn(java.util.List.of(CycleCancelledException.class, NetworkUnreachableException.class))
                .withCustomBackoff()
                .strategy(() -> new ReconnectBackoff(config.initialDelay(), config.maxDelay(), config.jitter(),
                        () -> ThreadLocalRandom.current().nextDouble(), onDelay))
                .done()
                .done()
                .build();
    }
}
