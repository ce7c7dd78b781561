package io.longlink.rest;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ConnectionState;
import io.longlink.connection.ConnectionStatus;
import io.longlink.connection.ManagedConnection;

/**
 * The filter and page of {@code GET /connections}: {@code state} (one or more states, comma separated or repeated),
 * {@code q} (a substring of the id), {@code limit} (1 to {@value #MAX_LIMIT}) and {@code after} (an id; ids ascend).
 * A page walks the registry's sorted ids from {@code after} and stops at {@code limit + 1} matches, so it costs
 * O(page) when the filters match often, never a sort of every connection. Bad values answer 400
 * {@code invalid-query} and change nothing.
 *
 * @param states the states to keep; empty keeps every state
 * @param q the substring an id must contain, or null
 * @param limit the page size, or 0 for every match (no {@code limit} given)
 * @param after the id to start after, or null to start at the first
 */
record ConnectionQuery(Set<ConnectionState> states, String q, int limit, String after) {

    /** Largest page a caller may ask for. */
    static final int MAX_LIMIT = 1000;

    /** One page of statuses and the query of the next page, null when nothing more matches. */
    record Page(List<ConnectionStatus> statuses, ConnectionQuery next) {
    }

    /** Reads the parameters; 400 {@code invalid-query} for an unknown state, a limit out of range or a bad id. */
    static ConnectionQuery of(List<String> state, String q, String limit, String after) {
        EnumSet<ConnectionState> states = EnumSet.noneOf(ConnectionState.class);
        for (String value : state == null ? List.<String>of() : state) {
            for (String name : value.split(",", -1)) {
                states.add(stateNamed(name.trim()));
            }
        }
        int size = 0;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > MAX_LIMIT) {
                throw invalid("limit must be a whole number from 1 to " + MAX_LIMIT + ", not '" + limit + "'");
            }
        }
        if (after != null && !ConnectionRegistry.ID.matcher(after).matches()) {
            throw invalid("after must be a connection id (" + ConnectionRegistry.ID.pattern() + "), not '" + after
                    + "'");
        }
        return new ConnectionQuery(states, q == null || q.isEmpty() ? null : q, size, after);
    }

    private static ConnectionState stateNamed(String name) {
        try {
            return ConnectionState.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid("state must be one or more of " + EnumSet.allOf(ConnectionState.class).stream()
                    .map(Enum::name).collect(Collectors.joining(",")) + ", not '" + name + "'");
        }
    }

    private static ProblemException invalid(String detail) {
        return ProblemException.badRequest("invalid-query", "Invalid query parameter", detail);
    }

    /**
     * The matching statuses, from {@code after} on, at most {@code limit} of them.
     *
     * @param visible whether the caller may see a connection (its viewer patterns)
     * @param statusOf the status as the control plane shows it (the owner's, in a cluster)
     */
    Page run(ConnectionRegistry registry, Predicate<String> visible,
            Function<ManagedConnection, ConnectionStatus> statusOf) {
        List<ConnectionStatus> page = new ArrayList<>(limit == 0 ? 16 : Math.min(limit, 64));
        for (ManagedConnection connection : registry.after(after)) {
            String id = connection.id();
            if (q != null && !id.contains(q) || !visible.test(id)) {
                continue;
            }
            ConnectionStatus status = statusOf.apply(connection);
            if (!states.isEmpty() && !states.contains(status.state())) {
                continue;
            }
            if (limit > 0 && page.size() == limit) {
                return new Page(page, new ConnectionQuery(states, q, limit, page.get(limit - 1).id()));
            }
            page.add(status);
        }
        return new Page(page, null);
    }

    /**
     * How many connections the caller may see whose id contains {@code q}, by state (every state named, 0 included);
     * one pass over the registry, no status list built.
     */
    static Map<ConnectionState, Long> counts(String q, ConnectionRegistry registry, Predicate<String> visible,
            Function<ManagedConnection, ConnectionStatus> statusOf) {
        Map<ConnectionState, Long> counts = new EnumMap<>(ConnectionState.class);
        for (ConnectionState state : ConnectionState.values()) {
            counts.put(state, 0L);
        }
        for (ManagedConnection connection : registry.all()) {
            String id = connection.id();
            if ((q == null || q.isEmpty() || id.contains(q)) && visible.test(id)) {
                counts.merge(statusOf.apply(connection).state(), 1L, Long::sum);
            }
        }
        return counts;
    }

    /** This query as a {@code /connections} URL, for the {@code Link} header. */
    String uri() {
        StringBuilder uri = new StringBuilder("/connections?");
        if (!states.isEmpty()) {
            uri.append("state=").append(states.stream().map(Enum::name).collect(Collectors.joining(","))).append('&');
        }
        if (q != null) {
            uri.append("q=").append(URLEncoder.encode(q, StandardCharsets.UTF_8).replace("+", "%20")).append('&');
        }
        if (limit > 0) {
            uri.append("limit=").append(limit).append('&');
        }
        if (after != null) {
            uri.append("after=").append(after).append('&');
        }
        return uri.substring(0, uri.length() - 1);
    }
}
