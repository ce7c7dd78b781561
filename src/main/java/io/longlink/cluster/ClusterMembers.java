package io.longlink.cluster;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.connection.ConnectionChange;
import io.longlink.connection.ConnectionRegistry;
import io.longlink.connection.ConnectionStatus;
import io.longlink.connection.DesiredState;
import io.longlink.connection.ManagedConnection;
import io.longlink.store.StoreProducer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * What a change of ownership does to this instance's connections and stores (cluster mode): a lease taken loads
 * the connection's state from the database, then the connection opens if it should; a lease lost closes the
 * socket at once and the stores forget the connection. Starts the cluster after the connections exist and, first
 * thing on shutdown, stops it, handing every lease over.
 */
@ApplicationScoped
public class ClusterMembers implements Cluster.Members {

    private final ConnectionRegistry registry;
    private final StoreProducer.Stores stores;
    private final ObjectMapper json;
    private final Cluster cluster;
    /** Tells the webhooks: only the owner of a connection delivers what its upstream pushed. */
    private final Event<ConnectionChange> changes;

    ClusterMembers(ConnectionRegistry registry, StoreProducer.Stores stores, ObjectMapper json, ClusterMode mode,
            Event<ConnectionChange> changes) {
        this.changes = changes;
        this.registry = registry;
        this.stores = stores;
        this.json = json;
        this.cluster = mode.cluster();
    }

    void onStart(@Observes @Priority(3000) StartupEvent event) {
        if (cluster != null) {
            cluster.start(this);
        }
    }

    /**
     * Before anything else stops (the datasource among them): every owned connection closes its socket, the store
     * commits what it holds of it, and its lease is freed for the other instances.
     */
    void onStop(@Observes @Priority(0) ShutdownEvent event) {
        if (cluster != null) {
            cluster.stop();
        }
    }

    /**
     * Last of the shutdown observers (the sockets are closed): the store commits what it holds and closes while the
     * datasource is still open (the datasource bean may be destroyed before the store's).
     */
    void onStopped(@Observes @Priority(5000) ShutdownEvent event) {
        if (cluster != null) {
            stores.database().close();
        }
    }

    /** The very start of shutdown (before any delay and before Quarkus stops anything): the hand-over runs now. */
    void onStopping(@Observes @Priority(0) io.quarkus.runtime.ShutdownDelayInitiatedEvent event) {
        if (cluster != null) {
            cluster.stop();
        }
    }

    @Override
    public Set<String> ids() {
        return registry.all().stream().map(ManagedConnection::id).collect(Collectors.toSet());
    }

    @Override
    public void acquired(String connectionId, DesiredState desired, Runnable ready) {
        stores.database().claim(connectionId).whenCompleteAsync((ok, failure) -> {
            if (failure != null) {
                Log.warnf("[%s] cluster: the connection's state could not be loaded: %s; the lease lapses",
                        connectionId, failure.getMessage());
                cluster.abandon(connectionId);
                return;
            }
            stores.inbound().claimed(connectionId);
            ready.run();
            ManagedConnection connection = registry.find(connectionId);
            if (connection != null) {
                changes.fire(new ConnectionChange(connectionId, connection));
                connection.resume(desired != null ? desired
                        : connection.config().autoOpen() ? DesiredState.OPEN : DesiredState.CLOSED);
            }
        });
    }

    @Override
    public CompletionStage<Void> lost(String connectionId, String reason) {
        ManagedConnection connection = registry.find(connectionId);
        changes.fire(new ConnectionChange(connectionId, null));
        stores.inbound().released(connectionId);
        CompletionStage<Void> closed = connection == null ? CompletableFuture.completedFuture(null)
                : connection.suspend(reason);
        return closed.thenCompose(v -> stores.database().flush())
                .thenRun(() -> stores.database().release(connectionId));
    }

    @Override
    public void sync() {
        registry.sync();
    }

    @Override
    public String statusJson(String connectionId) {
        ManagedConnection connection = registry.find(connectionId);
        if (connection == null) {
            return null;
        }
        try {
            return json.writeValueAsString(connection.status());
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * A connection's status as this instance can tell it: its own for a connection it owns (or a single instance),
     * else what the owner published with its last renewal (at most {@code renew-interval} old), with owner and epoch.
     */
    public ConnectionStatus statusOf(ManagedConnection connection) {
        if (cluster == null || cluster.mayAct(connection.id())) {
            return connection.status();
        }
        Cluster.Lease lease = cluster.lease(connection.id());
        ConnectionStatus published = published(lease);
        return published == null ? connection.status()
                : published.withOwner(lease.live() ? lease.owner() : null, lease.epoch());
    }

    private ConnectionStatus published(Cluster.Lease lease) {
        if (lease == null || lease.status() == null) {
            return null;
        }
        try {
            return json.readValue(lease.status(), ConnectionStatus.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
