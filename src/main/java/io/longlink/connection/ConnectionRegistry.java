package io.longlink.connection;

import java.time.Clock;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.longlink.config.LonglinkConfig;
import io.longlink.inbox.InboundStore;
import io.longlink.outbox.OutboxStore;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Holds one {@link ManagedConnection} per configured id, built and validated at start-up; opens those with
 * {@code auto-open} and closes every socket with 1001 on shutdown.
 */
@ApplicationScoped
public class ConnectionRegistry {

    /** What a connection id must look like. */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final Map<String, ManagedConnection> connections;

    public ConnectionRegistry(LonglinkConfig config, OutboxStore outbox, InboundStore inbound, Vertx vertx,
            Clock clock, ConnectionObserver observer) {
        Map<String, ManagedConnection> byId = new TreeMap<>();
        config.connections().forEach((id, c) -> {
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("connection id '" + id + "' does not match " + ID.pattern());
            }
            String scheme = c.url().getScheme();
            if (!"ws".equalsIgnoreCase(scheme) && !"wss".equalsIgnoreCase(scheme) || c.url().getHost() == null) {
                throw new IllegalArgumentException("longlink.connections." + id + ".url must be a ws:// or wss:// URL");
            }
            byId.put(id, new ManagedConnection(id, c, outbox, inbound.log(id), vertx,
                    clock, observer));
        });
        this.connections = Collections.unmodifiableMap(byId);
    }

    void onStart(@Observes StartupEvent event) {
        Log.infof("%d connection(s) configured: %s", connections.size(), connections.keySet());
        connections.values().stream().filter(c -> c.config().autoOpen()).forEach(ManagedConnection::open);
    }

    void onStop(@Observes ShutdownEvent event) {
        CompletableFuture<?>[] closes = connections.values().stream()
                .map(c -> c.shutdown().toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        long waitMillis = connections.values().stream()
                .mapToLong(c -> c.config().closeTimeout().toMillis()).max().orElse(0);
        try {
            CompletableFuture.allOf(closes).get(waitMillis + 500, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            Log.warnf("not every socket closed cleanly on shutdown: %s", e.toString());
        }
    }

    /** The connection with this id; {@link UnknownConnectionException} when none is configured. */
    public ManagedConnection get(String id) {
        ManagedConnection connection = connections.get(id);
        if (connection == null) {
            throw new UnknownConnectionException(id);
        }
        return connection;
    }

    /** All connections, ordered by id. */
    public Collection<ManagedConnection> all() {
        return connections.values();
    }
}
