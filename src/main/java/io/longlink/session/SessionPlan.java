package io.longlink.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.longlink.config.LonglinkConfig;

/**
 * What every socket of one connection does around its handshake, checked and compiled once from the
 * configuration: the handshake headers (templates), the on-open steps, the application-level heartbeat, the OAuth2
 * client credentials and the webhook secret. A setting that cannot work is refused here with an
 * {@link InvalidSettingException} naming its key, so a bad configuration stops the start instead of failing every
 * attempt. Every template is parsed with the connection's {@link TemplateAccess}: a runtime spec that reads a file or
 * variable it may not is refused here too.
 *
 * @param headers handshake headers by name, as templates
 * @param steps the on-open steps, in order
 * @param textHeartbeat the application-level heartbeat, or null with {@code heartbeat.mode=ping}
 * @param oauth2 the OAuth2 client credentials, or null without {@code auth.oauth2.token-url}
 * @param webhookSecret {@code inbound.webhook.secret} as a template, or null without one
 */
public record SessionPlan(Map<String, Template> headers, List<Step> steps, TextHeartbeat textHeartbeat,
        OAuth2 oauth2, Template webhookSecret) {

    /**
     * One on-open step: a frame to send ({@code text} or {@code binary}, or neither), then, with {@code expect}, a
     * wait of at most {@code timeout} for a matching inbound message.
     */
    public record Step(int index, Template text, byte[] binary, Matcher expect, Duration timeout) {
        /** The step's key, {@code on-open[i]}, as errors and {@code lastError} name it. */
        public String key() {
            return "on-open[" + index + "]";
        }
    }

    /** {@code heartbeat.mode=text}: send {@code text}, the pong is the next message matching {@code expect}. */
    public record TextHeartbeat(Template text, Matcher expect, boolean keepPongs) {
    }

    /** {@code auth.oauth2.*}: the client id, secret and scope (null when none) as templates, expanded per request. */
    public record OAuth2(Template clientId, Template clientSecret, Template scope) {
    }

    /** A setting of a connection that cannot work; {@code key} is relative to the connection, e.g. {@code on-open[1].expect}. */
    public static final class InvalidSettingException extends IllegalArgumentException {
        private final String key;

        public InvalidSettingException(String key, String detail) {
            super(key + ": " + detail);
            this.key = key;
        }

        public String key() {
            return key;
        }

        public String detail() {
            return getMessage().substring(key.length() + 2);
        }
    }

    /** Checks and compiles a configured connection's settings (its templates may read anything). */
    public static SessionPlan of(LonglinkConfig.ConnectionConfig config) {
        return of(config, TemplateAccess.UNLIMITED);
    }

    /** Checks and compiles a connection's settings; its templates may read what {@code access} allows. */
    public static SessionPlan of(LonglinkConfig.ConnectionConfig config, TemplateAccess access) {
        Map<String, Template> headers = new LinkedHashMap<>();
        config.headers().forEach((name, value) -> headers.put(name, template("headers." + name, value, access)));
        List<Step> steps = new ArrayList<>();
        List<LonglinkConfig.OnOpenStep> configured = config.onOpen();
        for (int i = 0; i < configured.size(); i++) {
            steps.add(step(i, configured.get(i), access));
        }
        Template webhookSecret = config.inbound().webhook().secret()
                .map(secret -> template("inbound.webhook.secret", secret, access)).orElse(null);
        return new SessionPlan(Map.copyOf(headers), List.copyOf(steps), heartbeat(config.heartbeat(), access),
                oauth2(config.auth().oauth2(), access), webhookSecret);
    }

    private static OAuth2 oauth2(LonglinkConfig.OAuth2 c, TemplateAccess access) {
        if (c.tokenUrl().isEmpty()) {
            if (c.clientId().isPresent() || c.clientSecret().isPresent()) {
                throw new InvalidSettingException("auth.oauth2.token-url", "required with a client id or secret");
            }
            return null;
        }
        String scheme = c.tokenUrl().get().getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)
                || c.tokenUrl().get().getHost() == null) {
            throw new InvalidSettingException("auth.oauth2.token-url", "must be an http:// or https:// URL");
        }
        if (c.clientId().isEmpty()) {
            throw new InvalidSettingException("auth.oauth2.client-id", "required with auth.oauth2.token-url");
        }
        if (c.clientSecret().isEmpty()) {
            throw new InvalidSettingException("auth.oauth2.client-secret", "required with auth.oauth2.token-url");
        }
        if (c.queryParam().isPresent() && c.queryParam().get().isBlank()) {
            throw new InvalidSettingException("auth.oauth2.query-param", "must not be blank");
        }
        return new OAuth2(template("auth.oauth2.client-id", c.clientId().get(), access),
                template("auth.oauth2.client-secret", c.clientSecret().get(), access),
                c.scope().map(v -> template("auth.oauth2.scope", v, access)).orElse(null));
    }

    private static Step step(int index, LonglinkConfig.OnOpenStep c, TemplateAccess access) {
        String key = "on-open[" + index + "]";
        if (c.text().isPresent() && c.binary().isPresent()) {
            throw new InvalidSettingException(key, "a step sends either text or binary, not both");
        }
        if (c.text().isEmpty() && c.binary().isEmpty() && c.expect().isEmpty()) {
            throw new InvalidSettingException(key, "a step needs text, binary or expect");
        }
        byte[] binary = null;
        if (c.binary().isPresent()) {
            try {
                binary = Base64.getDecoder().decode(c.binary().get().trim());
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException(key + ".binary", "not valid base64: " + e.getMessage());
            }
        }
        if (c.timeout().isNegative() || c.timeout().isZero()) {
            throw new InvalidSettingException(key + ".timeout", "must be positive");
        }
        return new Step(index, c.text().map(t -> template(key + ".text", t, access)).orElse(null), binary,
                c.expect().map(e -> matcher(key + ".expect", e)).orElse(null), c.timeout());
    }

    private static TextHeartbeat heartbeat(LonglinkConfig.Heartbeat c, TemplateAccess access) {
        if (c.mode() == LonglinkConfig.HeartbeatMode.PING) {
            return null;
        }
        Optional<String> text = c.text();
        Optional<String> expect = c.expect();
        if (text.isEmpty()) {
            throw new InvalidSettingException("heartbeat.text", "required with heartbeat.mode=text");
        }
        if (expect.isEmpty()) {
            throw new InvalidSettingException("heartbeat.expect", "required with heartbeat.mode=text");
        }
        return new TextHeartbeat(template("heartbeat.text", text.get(), access),
                matcher("heartbeat.expect", expect.get()), c.keepPongs());
    }

    private static Template template(String key, String text, TemplateAccess access) {
        try {
            return Template.parse(text, access);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(key, e.getMessage());
        }
    }

    private static Matcher matcher(String key, String spec) {
        try {
            return Matcher.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(key, e.getMessage());
        }
    }

    /** Every JSON pointer an {@code {{inbound:...}}} placeholder of this plan reads. */
    public Set<String> inboundPointers() {
        Set<String> pointers = new LinkedHashSet<>();
        headers.values().forEach(t -> pointers.addAll(t.inboundPointers()));
        steps.stream().filter(s -> s.text() != null).forEach(s -> pointers.addAll(s.text().inboundPointers()));
        if (textHeartbeat != null) {
            pointers.addAll(textHeartbeat.text().inboundPointers());
        }
        return pointers;
    }
}
