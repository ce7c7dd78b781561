package io.longlink.metrics;

import jakarta.enterprise.context.ApplicationScoped;

import io.longlink.webhook.WebhookDelivery;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Each webhook's numbers, tagged {@code connection=<id>}, read when scraped:
 * {@code longlink_webhook_delivered_total} (messages acknowledged by the receiver since start),
 * {@code longlink_webhook_failed_attempts_total} (POSTs not acknowledged since start) and
 * {@code longlink_webhook_lag_messages} (stored inbound messages not acknowledged yet; while it grows, retention
 * cannot prune them and the store file grows).
 */
@ApplicationScoped
public class WebhookMetrics {

    private final MeterRegistry meters;

    public WebhookMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    /** Removes a webhook's meters (its connection's settings changed or it was removed). */
    public void unregister(String connectionId) {
        meters.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("longlink.webhook.")
                        && connectionId.equals(m.getId().getTag(ConnectionMetrics.TAG)))
                .toList().forEach(meters::remove);
    }

    public void register(WebhookDelivery delivery) {
        String id = delivery.connectionId();
        FunctionCounter.builder("longlink.webhook.delivered", delivery, WebhookDelivery::deliveredTotal)
                .description("Inbound messages the webhook receiver acknowledged since start")
                .tag(ConnectionMetrics.TAG, id).register(meters);
        FunctionCounter.builder("longlink.webhook.failed.attempts", delivery, WebhookDelivery::failedAttempts)
                .description("Webhook POSTs not acknowledged (non-2xx, timeout, no connection) since start")
                .tag(ConnectionMetrics.TAG, id).register(meters);
        Gauge.builder("longlink.webhook.lag", delivery, WebhookDelivery::lag).baseUnit("messages")
                .description("Stored inbound messages the webhook receiver has not acknowledged")
                .tag(ConnectionMetrics.TAG, id).strongReference(true).register(meters);
    }
}
