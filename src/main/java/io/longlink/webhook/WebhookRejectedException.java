package io.longlink.webhook;

/** The receiver did not acknowledge a batch: a non-2xx status, no answer in time, or no connection. Retried. */
class WebhookRejectedException extends RuntimeException {

    WebhookRejectedException(String detail) {
        super(detail, null, false, false);
    }
}
