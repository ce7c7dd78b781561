package io.longlink.lifecycle;

import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

import io.longlink.config.LonglinkConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;

/**
 * Whether new messages are accepted. Open from start-up until shutdown begins, then closed for good: enqueues
 * answer 503 and readiness turns DOWN.
 *
 * <p>Shutdown begins at the earliest moment the application can see: {@link ShutdownDelayInitiatedEvent}, fired
 * in Quarkus's pre-shutdown phase (before the optional {@code quarkus.shutdown.delay} and before the HTTP drain
 * that {@code quarkus.shutdown.timeout} bounds) because {@code quarkus.shutdown.delay-enabled} is set at build
 * time. The {@link ShutdownEvent}, observed before any other observer, closes it too should that build-time
 * setting be switched off. Requests accepted before the gate closed finish: the HTTP drain waits for them, and
 * the sockets are closed with 1001 only after it, by {@code ConnectionRegistry}.
 */
@Singleton
public class IntakeGate {

    private final Duration retryAfter;
    /** False once shutdown began; never true again. */
    private volatile boolean accepting = true;

    public IntakeGate(LonglinkConfig config) {
        Duration configured = config.shutdown().retryAfter();
        this.retryAfter = configured.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : configured;
    }

    /** How long a refused producer is asked to wait: {@code longlink.shutdown.retry-after}, at least a second. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** True until shutdown began. */
    public boolean accepting() {
        return accepting;
    }

    /** Stops accepting; idempotent. */
    public void close(String why) {
        if (accepting) {
            accepting = false;
            Log.infof("no longer accepting messages: %s", why);
        }
    }

    void shutdownDelayInitiated(@Observes ShutdownDelayInitiatedEvent event) {
        close("shutdown began");
    }

    void shutdown(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        close("shutting down");
    }
}
