package io.longlink.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.vertx.core.buffer.Buffer;

/** Standard Webhooks signatures: {@code v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">}. */
final class WebhookSigner {

    private static final String ALGORITHM = "HmacSHA256";

    private WebhookSigner() {
    }

    /** The {@code webhook-signature} header value. */
    static String sign(byte[] key, String webhookId, long timestampSeconds, Buffer body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            mac.update((webhookId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            byte[] digest = mac.doFinal(body.getBytes());
            return "v1," + Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new WebhookRejectedException("secret: cannot sign with it (" + e.getClass().getSimpleName() + ")");
        }
    }
}
