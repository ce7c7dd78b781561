package io.longlink.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.longlink.webhook.WebhookDeliveries;
import io.longlink.webhook.WebhookDelivery;
import io.longlink.connection.WebhookStatus;

/**
 * Readiness check {@code webhooks}: always UP (a receiver that is down must not take producers' pod out of service),
 * its data shows each webhook as {@code "<state> deliveredSeq=<n> lag=<n>"}, plus {@code <id>.lastError} while
 * failing. A receiver down for long shows as a growing lag here; when the store file then reaches its limit, the
 * {@code outbox-store} check goes DOWN.
 */
@Readiness
@ApplicationScoped
public class WebhookHealthCheck implements HealthCheck {

    private final WebhookDeliveries webhooks;

    public WebhookHealthCheck(WebhookDeliveries webhooks) {
        this.webhooks = webhooks;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("webhooks").up();
        for (WebhookDelivery delivery : webhooks.all()) {
            WebhookStatus s = delivery.status();
            response.withData(delivery.connectionId(), s.state() + " deliveredSeq=" + s.deliveredSeq() + " lag=" + s.lag());
            if (s.lastError() != null) {
                response.withData(delivery.connectionId() + ".lastError", s.lastError());
            }
        }
        return response.build();
    }
}
