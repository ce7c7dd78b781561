package io.longlink.connection;

import java.util.List;

import io.longlink.config.ConnectionSettings;

/**
 * A change of the set of connections over HTTP that cannot be made; nothing was changed. {@link #reason} decides the
 * status and problem type; {@link #problems} lists bad settings by key for {@code invalid-spec}.
 */
public final class ConnectionChangeRefusedException extends RuntimeException {

    public enum Reason {
        /** The connection comes from configuration: it is not changed over HTTP (409). */
        CONFIGURED_CONNECTION(409, "configured-connection", "Configured connection"),
        /** {@code If-Match} does not match the current spec (412). */
        PRECONDITION_FAILED(412, "precondition-failed", "Precondition failed"),
        /** Messages are still queued; {@code ?discard=true} drops them (409). */
        OUTBOX_NOT_EMPTY(409, "outbox-not-empty", "Outbox not empty"),
        /** The spec has bad settings (400). */
        INVALID_SPEC(400, "invalid-spec", "Invalid spec"),
        /** The upstream may not be reached from here (400). */
        UPSTREAM_NOT_ALLOWED(400, "upstream-not-allowed", "Upstream not allowed");

        public final int status;
        public final String slug;
        public final String title;

        Reason(int status, String slug, String title) {
            this.status = status;
            this.slug = slug;
            this.title = title;
        }
    }

    private final Reason reason;
    private final List<ConnectionSettings.Problem> problems;

    public ConnectionChangeRefusedException(Reason reason, String detail) {
        this(reason, detail, List.of());
    }

    public ConnectionChangeRefusedException(Reason reason, String detail, List<ConnectionSettings.Problem> problems) {
        super(detail, null, false, false);
        this.reason = reason;
        this.problems = List.copyOf(problems);
    }

    public Reason reason() {
        return reason;
    }

    public List<ConnectionSettings.Problem> problems() {
        return problems;
    }
}
