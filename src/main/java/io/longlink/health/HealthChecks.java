package io.longlink.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ManagedConnection;
import io.longlink.lifecycle.IntakeGate;
import io.longlink.outbox.OutboxStore;
import io.quarkus.runtime.StartupEvent;

/**
 * The health checks behind {@code /q/health/live}, {@code /q/health/ready} and {@code /q/health/started}.
 *
 * <p>Readiness means "producers may send messages here": it is DOWN when the store cannot take a write or once
 * shutdown began, and never because of an upstream. A closed, failing or offline connection still accepts
 * messages into its outbox, so taking the pod out of its Service would only turn a delay into lost messages;
 * each connection's state is listed in the data of the {@code connections} check, which is always UP.
 * Liveness only says the process answers; nothing an upstream does can make Kubernetes restart the pod.
 */
@ApplicationScoped
public class HealthChecks {

    private final ConnectionRegistry registry;
    private final OutboxStore outbox;
    private final IntakeGate intake;
    /** Set once the start-up observers ran: the configuration was valid and auto-open connections started. */
    private volatile boolean started;

    public HealthChecks(ConnectionRegistry registry, OutboxStore outbox, IntakeGate intake) {
        this.registry = registry;
        this.outbox = outbox;
        this.intake = intake;
    }

    void onStart(@Observes StartupEvent event) {
        started = true;
    }

    @Produces
    @Liveness
    HealthCheck alive() {
        return () -> HealthCheckResponse.named("longlink").up().withData("connections", registry.all().size())
                .build();
    }

    @Produces
    @Startup
    HealthCheck startedUp() {
        return () -> HealthCheckResponse.named("longlink-started").status(started).build();
    }

    @Produces
    @Readiness
    HealthCheck storeWritable() {
        return () -> flag("outbox-store", "writable", outbox.writable());
    }

    @Produces
    @Readiness
    HealthCheck acceptingMessages() {
        return () -> flag("intake", "accepting", intake.accepting());
    }

    @Produces
    @Readiness
    HealthCheck connectionStates() {
        return () -> {
            HealthCheckResponseBuilder response = HealthCheckResponse.named("connections").up();
            for (ManagedConnection connection : registry.all()) {
                response.withData(connection.id(), connection.state().name());
            }
            return response.build();
        };
    }

    /** A check that is UP exactly when {@code value} is true, and shows it as {@code key}. */
    private static HealthCheckResponse flag(String name, String key, boolean value) {
        return HealthCheckResponse.named(name).status(value).withData(key, value).build();
    }
}
