package io.longlink.webhook;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletionStage;

import io.longlink.session.Template;
import io.vertx.core.Vertx;

/**
 * The webhook secret as the connection's plan parsed it (within what its templates may read): a {@link Template} ({@code {{file:/path}}}, {@code {{env:NAME}}}) expanded at
 * every request so a rotated file is picked up, on a worker because reading a file blocks. The expansion
 * {@code whsec_<base64>} gives the key as the decoded bytes, anything else as its UTF-8. Never logged.
 */
final class SecretTemplate {

    private static final String STANDARD_PREFIX = "whsec_";
    /** A webhook secret has no socket: {@code {{generation}}} is 0 and {@code {{inbound:...}}} empty. */
    private static final Template.Values VALUES = new Template.Values() {
        @Override
        public long generation() {
            return 0;
        }

        @Override
        public String env(String name) {
            return System.getenv(name);
        }

        @Override
        public String inbound(String pointer) {
            return "";
        }
    };

    private final Template template;
    private final Vertx vertx;

    SecretTemplate(Template template, Vertx vertx) {
        this.template = template;
        this.vertx = vertx;
    }

    /** The HMAC key; fails with a message naming the placeholder (never the value) when it cannot be expanded. */
    CompletionStage<byte[]> key() {
        return vertx.executeBlocking(() -> {
            try {
                return decode(template.expand(VALUES));
            } catch (Template.ExpansionException e) {
                throw new WebhookRejectedException("secret: " + e.getMessage());
            }
        }, false).toCompletionStage();
    }

    private static byte[] decode(String secret) {
        if (secret.startsWith(STANDARD_PREFIX)) {
            try {
                return Base64.getDecoder().decode(secret.substring(STANDARD_PREFIX.length()));
            } catch (IllegalArgumentException e) {
                throw new WebhookRejectedException("secret: whsec_ is not followed by valid base64");
            }
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }
}
