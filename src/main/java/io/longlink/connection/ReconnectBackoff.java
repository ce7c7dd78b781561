package io.longlink.connection;

import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.function.LongConsumer;

import io.smallrye.faulttolerance.api.CustomBackoffStrategy;

/**
 * The delay before each retry of one reconnect cycle: {@code initial-delay} doubling after every failure up
 * to {@code max-delay}, of which the {@code jitter} fraction is randomised (so the delay lies between
 * {@code (1 - jitter) * d} and {@code d}). The first attempt of a cycle is not delayed: SmallRye Fault
 * Tolerance asks for a delay only before a retry. One instance serves one cycle; a cycle continued after a socket
 * that was not stable ({@code reconnect.stable-after}) starts where its predecessor stopped ({@link #skip}).
 */
final class ReconnectBackoff implements CustomBackoffStrategy {

    private final long initialMillis;
    private final long maxMillis;
    private final double jitter;
    private final DoubleSupplier random;
    private final LongConsumer onDelay;
    /** Undelayed value of the next delay. */
    private long nextBase;

    ReconnectBackoff(Duration initialDelay, Duration maxDelay, double jitter, DoubleSupplier random,
            LongConsumer onDelay) {
        this.initialMillis = Math.max(0, initialDelay.toMillis());
        this.maxMillis = Math.max(initialMillis, maxDelay.toMillis());
        this.jitter = Math.min(1, Math.max(0, jitter));
        this.random = random;
        this.onDelay = onDelay;
        this.nextBase = initialMillis;
    }

    /** Skips the first {@code delays} delays: the next one is the one after them. */
    ReconnectBackoff skip(int delays) {
        for (int i = 0; i < delays && nextBase < maxMillis; i++) {
            advance();
        }
        return this;
    }

    private long advance() {
        long base = nextBase;
        nextBase = base > maxMillis / 2 ? maxMillis : Math.max(1, base * 2);
        return base;
    }

    @Override
    public long nextDelayInMillis(Throwable failure) {
        long base = advance();
        long delay = Math.round(base * (1 - jitter) + base * jitter * random.getAsDouble());
        onDelay.accept(delay);
        return delay;
    }
}
