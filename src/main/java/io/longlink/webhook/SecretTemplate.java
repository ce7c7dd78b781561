package io.longlink.webhook;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.Vertx;

/**
 * The webhook secret as configured, expanded at every request so a rotated file is picked up: {@code {{file:/path}}}
 * (the file's content, one trailing newline dropped; read asynchronously) and {@code {{env:NAME}}}. The expansion
 * {@code whsec_<base64>} gives the key as the decoded bytes, anything else as its UTF-8. Never logged.
 *
 * <p>Stand-in for {@code io.longlink.session.Template} (on main), which the merge should switch to.
 */
final class SecretTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(file|env):([^}]*)}}");
    private static final String STANDARD_PREFIX = "whsec_";

    private final String template;
    private final Vertx vertx;

    SecretTemplate(String template, Vertx vertx) {
        this.template = template;
        this.vertx = vertx;
    }

    /** The HMAC key; fails with a message naming the placeholder (never the value) when it cannot be expanded. */
    CompletionStage<byte[]> key() {
        return expand(template, 0, new StringBuilder()).thenApply(SecretTemplate::decode);
    }

    private CompletionStage<String> expand(String text, int from, StringBuilder out) {
        Matcher m = PLACEHOLDER.matcher(text);
        if (!m.find(from)) {
            return CompletableFuture.completedFuture(out.append(text, from, text.length()).toString());
        }
        out.append(text, from, m.start());
        String name = m.group(2);
        CompletionStage<String> value;
        if ("env".equals(m.group(1))) {
            String env = System.getenv(name);
            value = env == null
                    ? CompletableFuture.failedFuture(new WebhookRejectedException("secret: {{env:" + name + "}} is not set"))
                    : CompletableFuture.completedFuture(env);
        } else {
            value = vertx.fileSystem().readFile(name)
                    .map(buffer -> dropNewline(buffer.toString(StandardCharsets.UTF_8)))
                    .toCompletionStage()
                    .exceptionallyCompose(e -> CompletableFuture.failedFuture(
                            new WebhookRejectedException("secret: {{file:" + name + "}} cannot be read")));
        }
        int end = m.end();
        return value.thenCompose(v -> expand(text, end, out.append(v)));
    }

    private static String dropNewline(String s) {
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
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
