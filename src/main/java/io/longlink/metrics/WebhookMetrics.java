package io.longlink.metrics;

import java.util.function.ToDoubleFunction;

import jakarta.enterprise.context.ApplicationScoped;

import io.longlink.config.LonglinkConfig;
import io.longlink.webhook.WebhookDelivery;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Each webhook's numbers, tagged {@code connection=<id>}, read when scraped:
 * {@code longlink_webhook_delivered_total} (messages acknowledged by the receiver since start),
 * {@code longlink_webhook_failed_attempts_total} (POSTs not acknowledged since start) and
 * {@code longlink_webhook_lag_messages} (stored inbound messages not acknowledged yet; while it grows, retention
 * cannot prune them and the store file grows). With {@code longlink.metrics.per-connection=false}, one untagged
 * series each: the totals over all webhooks.
 */
@ApplicationScoped
public class WebhookMetrics {

    private static final ToDoubleFunction<WebhookDelivery> DELIVERED = WebhookDelivery::deliveredTotal;
    private static final ToDoubleFunction<WebhookDelivery> FAILED = WebhookDelivery::failedAttempts;

    private final MeterRegistry meters;
    private final boolean perConnection;
    /** Every webhook present when not per connection. */
    private final Totals<WebhookDelivery> totals = new Totals<>();

    public WebhookMetrics(MeterRegistry meters, LonglinkConfig config) {
        this.meters = meters;
        this.perConnection = config.metrics().perConnection();
        if (!perConnection) {
            delivered(FunctionCounter.builder("longlink.webhook.delivered", totals, totals.counter(DELIVERED)));
            failed(FunctionCounter.builder("longlink.webhook.failed.attempts", totals, totals.counter(FAILED)));
            lag(Gauge.builder("longlink.webhook.lag", totals, t -> t.sum(WebhookDelivery::lag)));
        }
    }

    /** Removes a webhook's meters (its connection's settings changed or it was removed). */
    public void unregister(String connectionId) {
        if (!perConnection) {
            totals.remove(connectionId);
            return;
        }
        meters.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("longlink.webhook.")
                        && connectionId.equals(m.getId().getTag(ConnectionMetrics.TAG)))
                .toList().forEach(meters::remove);
    }

    public void register(WebhookDelivery delivery) {
        String id = delivery.connectionId();
        if (!perConnection) {
            totals.add(id, delivery);
            return;
        }
        delivered(FunctionCounter.builder("longlink.webhook.delivered", delivery, DELIVERED)
                .tag(ConnectionMetrics.TAG, id));
        failed(FunctionCounter.builder("longlink.webhook.failed.attempts", delivery, FAILED)
                .tag(ConnectionMetrics.TAG, id));
        lag(Gauge.builder("longlink.webhook.lag", delivery, WebhookDelivery::lag).tag(ConnectionMetrics.TAG, id));
    }

    private void delivered(FunctionCounter.Builder<?> counter) {
        counter.description("Inbound messages the webhook receiver acknowledged since start").register(meters);
    }

    private void failed(FunctionCounter.Builder<?> counter) {
        counter.description("Webhook POSTs not acknowledged (non-2xx, timeout, no connection) since start")
                .register(meters);
    }

    private void lag(Gauge.Builder<?> gauge) {
        gauge.baseUnit("messages").description("Stored inbound messages the webhook receiver has not acknowledged")
                .strongReference(true).register(meters);
    }
}
