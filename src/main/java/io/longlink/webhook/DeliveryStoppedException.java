package io.longlink.webhook;

/** The delivery was stopped (shutdown): the batch in flight is abandoned, not retried; the cursor stays. */
class DeliveryStoppedException extends RuntimeException {

    DeliveryStoppedException() {
        super("webhook delivery stopped", null, false, false);
    }
}
