package io.longlink.webhook;

import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;


import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ManagedConnection;
import io.longlink.metrics.WebhookMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * One {@link WebhookDelivery} per connection that has an {@code inbound.webhook.url}, started with the application
 * (whatever the connection's state: stored inbound is delivered even while the socket is closed) and stopped on
 * shutdown (in a cluster: while this instance owns the connection). Each connection's status shows its webhook's through {@link ManagedConnection#attachWebhook}.
 */
@ApplicationScoped
public class WebhookDeliveries {

    private final ConnectionRegistry registry;
    private final WebhookCursors cursors;
    private final Vertx vertx;
    private final Clock clock;
    private final WebhookMetrics metrics;
    private final boolean clustered;
    /** By connection id: filled at start-up, changed when a runtime connection is created, replaced or removed. */
    private final Map<String, WebhookDelivery> deliveries = new java.util.concurrent.ConcurrentSkipListMap<>();

    public WebhookDeliveries(ConnectionRegistry registry, WebhookCursors cursors, Vertx vertx, Clock clock,
            WebhookMetrics metrics, io.longlink.cluster.ClusterMode mode) {
        this.clustered = mode.cluster() != null;
        this.registry = registry;
        this.cursors = cursors;
        this.vertx = vertx;
        this.clock = clock;
        this.metrics = metrics;
    }

    void onStart(@Observes @Priority(100) StartupEvent event) {
        if (!clustered) {
            // in a cluster a delivery starts where the connection's lease is taken (a ConnectionChange)
            registry.all().forEach(this::attach);
        }
    }

    /** A runtime connection changed: its old delivery (if any) stops, a new one starts with the new settings. */
    void changed(@Observes io.longlink.connection.ConnectionChange change) {
        WebhookDelivery old = deliveries.remove(change.id());
        if (old != null) {
            old.stop();
            metrics.unregister(change.id());
        }
        if (change.connection() != null) {
            change.connection().attachWebhook(() -> null);
            attach(change.connection());
        }
    }

    private void attach(ManagedConnection c) {
        c.config().inbound().webhook().url().ifPresent(url -> {
            WebhookDelivery delivery = new WebhookDelivery(c.id(), url, c.config().inbound().webhook(),
                    c.plan().webhookSecret(), c.inbox(), cursors, vertx, clock);
            deliveries.put(c.id(), delivery);
            c.attachWebhook(delivery::status);
            metrics.register(delivery);
            delivery.start();
        });
    }

    void onStop(@Observes ShutdownEvent event) {
        deliveries.values().forEach(WebhookDelivery::stop);
    }

    public Optional<WebhookDelivery> get(String connectionId) {
        return Optional.ofNullable(deliveries.get(connectionId));
    }

    /** Every webhook, ordered by connection id. */
    public Collection<WebhookDelivery> all() {
        return deliveries.values();
    }
}
