package io.longlink.security;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The roles of the control plane (DESIGN.md "Control plane: who may do what"), as the names that
 * {@code @RolesAllowed} on the resources, the API key configuration and a JWT's {@code groups} use.
 *
 * <p>Every role implies {@code viewer}; {@code admin} implies every role. {@link #implied()} says so once, and
 * every way of authenticating gives its caller the implied roles too ({@link #withImplied}: API keys, JWTs through
 * {@link JwtCallerAugmentor}, the open caller has them all), once per identity rather than per request; which
 * connections a role reaches is a separate question, answered by {@link ConnectionAccess}.
 */
public final class Roles {

    /** Reads connections, status, specs and events. */
    public static final String VIEWER = "viewer";
    /** Enqueues messages and reads their states. */
    public static final String PRODUCER = "producer";
    /** Reads inbound messages, by cursor and as a stream. */
    public static final String CONSUMER = "consumer";
    /** Opens and closes connections. */
    public static final String OPERATOR = "operator";
    /** Everything, including runtime connections. */
    public static final String ADMIN = "admin";

    /** Every role, in the order the contract lists them. */
    public static final Set<String> ALL = Set.of(VIEWER, PRODUCER, CONSUMER, OPERATOR, ADMIN);

    private Roles() {
    }

    /** {@code roles} with every role they imply ({@link #implied()}). */
    public static Set<String> withImplied(java.util.Collection<String> roles) {
        Set<String> all = new java.util.HashSet<>(roles);
        Map<String, List<String>> implied = implied();
        for (String role : roles) {
            all.addAll(implied.getOrDefault(role, List.of()));
        }
        return Set.copyOf(all);
    }

    /** For each role, the roles it grants besides itself. */
    public static Map<String, List<String>> implied() {
        Map<String, List<String>> implied = new LinkedHashMap<>();
        implied.put(PRODUCER, List.of(VIEWER));
        implied.put(CONSUMER, List.of(VIEWER));
        implied.put(OPERATOR, List.of(VIEWER));
        implied.put(ADMIN, List.of(VIEWER, PRODUCER, CONSUMER, OPERATOR));
        return implied;
    }
}
