package io.longlink.webhook;

/** The receiver answered 410 Gone: delivery stops, not retried. */
class WebhookGoneException extends RuntimeException {

    WebhookGoneException() {
        super("the receiver answered 410 Gone: delivery stopped until inbound.webhook.url is changed", null, false,
                false);
    }
}
