package io.longlink.connection;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import com.fasterxml.jackson.databind.JsonNode;

import io.longlink.config.ConnectionSettings;
import io.longlink.config.ConnectionSpec;
import io.longlink.config.LonglinkConfig;
import io.longlink.connection.ConnectionChangeRefusedException.Reason;
import io.longlink.credentials.OidcTokenEndpoint;
import io.longlink.credentials.TokenEndpoint;
import io.longlink.config.ConnectionConfigs;
import io.longlink.inbox.InboundStore;
import io.longlink.outbox.OutboxStore;
import io.longlink.session.FeedPlan;
import io.longlink.session.SessionPlan;
import io.longlink.session.TemplateAccess;
import io.quarkus.logging.Log;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Holds every {@link ManagedConnection}: those from configuration, built and checked at start-up, and those created
 * over HTTP ({@code PUT /connections/{id}}), whose specs are kept in the {@link ConnectionSpecStore} and come back at
 * start. Both kinds go through {@link #definition}, so they accept and refuse exactly the same settings; runtime
 * connections are also held to the {@link UpstreamPolicy}. Opens those with {@code auto-open} and closes every socket
 * with 1001 on shutdown.
 *
 * <p>Changes of the set (put, delete) are serialized by {@code this}; reads use the concurrent map.
 */
@ApplicationScoped
public class ConnectionRegistry {

    /** What a connection id must look like. */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final ConcurrentSkipListMap<String, ManagedConnection> connections = new ConcurrentSkipListMap<>();
    /** The ETag of each runtime connection's spec as this instance last applied it. */
    private final Map<String, String> etags = new java.util.concurrent.ConcurrentHashMap<>();
    /** Ids that come from configuration: read-only over HTTP. */
    private final Set<String> configured;
    /** How much longer than the longest close timeout shutdown waits for the sockets' close timers. */
    private final Duration closeMargin;
    private final OutboxStore outbox;
    private final ConnectionSpecStore specs;
    private final UpstreamPolicy upstreams;
    /** What the templates of runtime connections may read ({@code longlink.templates.*}). */
    private final TemplateAccess runtimeReads;
    private final ConnectionObserver observer;
    private final ConnectionEnvironment env;
    private final Vertx vertx;
    private final Clock clock;
    private final OidcClients oidcClients;
    private final TlsConfigurationRegistry tls;
    /** Every connection's settings by id, which the stores look up (runtime connections included). */
    private final ConnectionConfigs configs;
    private final InboundStore inbound;
    /** Whether this instance may act on a connection; a cluster's leases, or always yes. */
    private final Ownership ownership;

    /** Tells what hangs off connections (webhooks) that one was created, replaced or removed over HTTP. */
    @jakarta.inject.Inject
    jakarta.enterprise.event.Event<ConnectionChange> changes;

    /** A runtime connection was created ({@code created}) or replaced; {@code etag} tags its spec. */
    public record Change(boolean created, String etag, ConnectionStatus status) {
    }

    public ConnectionRegistry(LonglinkConfig config, ConnectionConfigs configs, OutboxStore outbox,
            InboundStore inbound, Vertx vertx, Clock clock, Instance<ConnectionObserver> observers, EventLog events,
            ConnectionSpecStore specs, OidcClients oidcClients, TlsConfigurationRegistry tls, Ownership ownership) {
        this.configs = configs;
        this.inbound = inbound;
        this.ownership = ownership;
        this.observer = ConnectionObserver.all(observers.stream().toList());
        this.env = ConnectionEnvironment.of(vertx, clock, observer, events, ownership,
                config.upstreams().connectRates(), config.metrics().perConnection());
        this.oidcClients = oidcClients;
        this.tls = tls;
        this.closeMargin = config.shutdown().closeMargin();
        this.outbox = outbox;
        this.specs = specs;
        this.upstreams = new UpstreamPolicy(config.upstreams());
        this.runtimeReads = TemplateAccess.of(config.templates());
        this.vertx = vertx;
        this.clock = clock;
        this.configured = Set.copyOf(config.connections().keySet());
        config.connections().forEach((id, c) -> {
            SessionPlan plan;
            try {
                plan = definition(id, c, TemplateAccess.UNLIMITED);
            } catch (ConnectionSettings.InvalidSettingsException e) {
                throw new IllegalArgumentException(e.problems().stream()
                        .map(p -> "longlink.connections." + id + "." + p.key() + ": " + p.detail())
                        .reduce((a, b) -> a + "; " + b).orElse(e.getMessage()));
            }
            connections.put(id, build(id, c, plan, null));
        });
        Map<String, JsonNode> stored;
        try {
            stored = specs.load();
        } catch (RuntimeException e) {
            if (!ownership.shared()) {
                throw e;
            }
            // the cluster's database is down: the runtime connections come with the first sync once it is back
            Log.warnf("runtime connection specs not loaded yet: %s", e.getMessage());
            stored = Map.of();
        }
        stored.forEach(this::adopt);
    }

    /** A stored runtime spec becomes a connection here (at start, or a cluster sync found it); no socket opens. */
    private ManagedConnection adopt(String id, JsonNode spec) {
        if (configured.contains(id)) {
            Log.warnf("[%s] a stored runtime spec is shadowed by the configuration; the configuration wins", id);
            return null;
        }
        try {
            LonglinkConfig.ConnectionConfig c = ConnectionSettings.read(id, ConnectionSpec.keys(spec));
            ManagedConnection connection = build(id, c, definition(id, c, runtimeReads), upstreams);
            connections.put(id, connection);
            etags.put(id, ConnectionSpec.etag(spec));
            return connection;
        } catch (IllegalArgumentException e) {
            Log.errorf("[%s] the stored spec cannot be used and is ignored: %s", id, e.getMessage());
            return null;
        }
    }

    /**
     * Tells what hangs off a connection (its webhook) that it was created or replaced; in a cluster only where the
     * connection is owned (elsewhere the lease taken tells it, see ClusterMembers).
     */
    private void changed(String id, ManagedConnection connection) {
        if (ownership.mayAct(id)) {
            changes.fire(new ConnectionChange(id, connection));
        }
    }

    /**
     * Cluster mode: makes this instance's runtime connections those of the shared spec table, which another
     * instance may have changed (a PUT or DELETE served there): new ones are built (their lease decides where they
     * open), replaced ones take the new settings, removed ones are dropped here without touching the store (the
     * instance that served the DELETE did). Blocks (database): called on the cluster's lease thread.
     */
    public synchronized void sync() {
        // every second: only the ETags are read; a spec is read when its ETag is new here
        Map<String, String> stored = specs.etags();
        stored.forEach((id, etag) -> {
            if (configured.contains(id) || etag.equals(etags.get(id))) {
                return;
            }
            JsonNode spec = specs.get(id);
            if (spec == null) {
                return;
            }
            ManagedConnection existing = connections.get(id);
            if (existing == null) {
                ManagedConnection created = adopt(id, spec);
                if (created != null) {
                    observer.connectionAdded(created);
                    Log.infof("[%s] created on another instance", id);
                }
                return;
            }
            try {
                LonglinkConfig.ConnectionConfig c = ConnectionSettings.read(id, ConnectionSpec.keys(spec));
                SessionPlan plan = definition(id, c, runtimeReads);
                configs.put(id, c);
                existing.reconfigure(c, plan, new WebSocketUpstream(vertx, c, upstreams), tokens(id, c, plan));
                etags.put(id, etag);
                changed(id, existing);
                Log.infof("[%s] spec replaced on another instance", id);
            } catch (IllegalArgumentException e) {
                Log.errorf("[%s] the stored spec cannot be used and is ignored: %s", id, e.getMessage());
            }
        });
        for (String id : Set.copyOf(etags.keySet())) {
            if (!stored.containsKey(id)) {
                ManagedConnection gone = connections.remove(id);
                etags.remove(id);
                configs.remove(id);
                observer.connectionRemoved(id);
                changes.fire(new ConnectionChange(id, null));
                if (gone != null) {
                    gone.retire();
                }
                Log.infof("[%s] removed on another instance", id);
            }
        }
    }

    /**
     * The checks every connection's settings pass, configured or created over HTTP: the id, the URL, the session
     * plan (steps, matchers, templates, heartbeat, credentials), the request settings, the TLS configuration and
     * the proxy. Returns the plan. {@code reads} is what its templates may read: {@link TemplateAccess#UNLIMITED}
     * for a configured connection.
     */
    SessionPlan definition(String id, LonglinkConfig.ConnectionConfig c, TemplateAccess reads) {
        if (!ID.matcher(id).matches()) {
            throw new ConnectionSettings.InvalidSettingsException(List.of(new ConnectionSettings.Problem("",
                    "connection id '" + id + "' does not match " + ID.pattern())));
        }
        String scheme = c.url().getScheme();
        if (!"ws".equalsIgnoreCase(scheme) && !"wss".equalsIgnoreCase(scheme) || c.url().getHost() == null) {
            throw new ConnectionSettings.InvalidSettingsException(
                    List.of(new ConnectionSettings.Problem("url", "must be a ws:// or wss:// URL with a host")));
        }
        try {
            SessionPlan plan = SessionPlan.of(c, reads);
            RequestIds.of(c.requests());
            FeedPlan.of(c);
            checkTransport(c, tls);
            checkSendRate(c.sendRate());
            return plan;
        } catch (SessionPlan.InvalidSettingException e) {
            throw new ConnectionSettings.InvalidSettingsException(
                    List.of(new ConnectionSettings.Problem(e.key(), e.detail())));
        }
    }

    private ManagedConnection build(String id, LonglinkConfig.ConnectionConfig c, SessionPlan plan,
            UpstreamPolicy policy) {
        configs.put(id, c);
        return new ManagedConnection(id, c, plan, outbox, inbound.log(id), new WebSocketUpstream(vertx, c, policy),
                tokens(id, c, plan), env);
    }

    /** Where a connection with OAuth2 client credentials gets its tokens; null without. */
    private TokenEndpoint tokens(String id, LonglinkConfig.ConnectionConfig c, SessionPlan plan) {
        return plan.oauth2() == null ? null
                : new OidcTokenEndpoint(oidcClients, id, c.auth().oauth2().tokenUrl().get(), c.connectTimeout(),
                        c.tlsConfigurationName(), c.proxy().url());
    }

    /** {@code send-rate.limit} is a number or {@code none}, {@code send-rate.per} longer than 0. */
    private static void checkSendRate(LonglinkConfig.SendRate rate) {
        try {
            SendRate.limitOf(rate.limit());
        } catch (IllegalArgumentException e) {
            throw new SessionPlan.InvalidSettingException("send-rate.limit", e.getMessage());
        }
        if (rate.per().isNegative() || rate.per().isZero()) {
            throw new SessionPlan.InvalidSettingException("send-rate.per", "must be longer than 0");
        }
        if (rate.margin().isNegative()) {
            throw new SessionPlan.InvalidSettingException("send-rate.margin", "must not be negative");
        }
    }

    /** The TLS configuration must exist in the registry and the proxy URL must be usable, or the start stops. */
    private static void checkTransport(LonglinkConfig.ConnectionConfig c, TlsConfigurationRegistry tls) {
        c.tlsConfigurationName().ifPresent(name -> {
            if (tls.get(name).isEmpty()) {
                throw new SessionPlan.InvalidSettingException("tls-configuration-name",
                        "no TLS configuration '" + name + "' in the TLS registry (quarkus.tls." + name + ".*)");
            }
        });
        c.proxy().url().ifPresent(url -> {
            try {
                WebSocketUpstream.proxyOptions(url);
            } catch (IllegalArgumentException e) {
                throw new SessionPlan.InvalidSettingException("proxy.url", e.getMessage());
            }
        });
    }

    void onStart(@Observes StartupEvent event) {
        Log.infof("%d connection(s): %s (%d from configuration)", connections.size(), connections.keySet(),
                configured.size());
        if (!ownership.shared()) {
            connections.values().stream().filter(c -> c.config().autoOpen()).forEach(ManagedConnection::open);
        }
        // in a cluster, a connection opens on the instance that takes its lease (ClusterMembers)
    }

    void onStop(@Observes ShutdownEvent event) {
        CompletableFuture<?>[] closes = connections.values().stream()
                .map(c -> c.shutdown().toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        long waitMillis = connections.values().stream()
                .mapToLong(c -> c.config().closeTimeout().toMillis()).max().orElse(0);
        try {
            CompletableFuture.allOf(closes).get(waitMillis + closeMargin.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            Log.warnf("not every socket closed cleanly on shutdown: %s", e.toString());
        }
    }

    /** The connection with this id; {@link UnknownConnectionException} when there is none. */
    public ManagedConnection get(String id) {
        ManagedConnection connection = connections.get(id);
        if (connection == null) {
            throw new UnknownConnectionException(id);
        }
        return connection;
    }

    /** The connection with this id, or null. */
    public ManagedConnection find(String id) {
        return connections.get(id);
    }

    /** All connections, ordered by id. */
    public Collection<ManagedConnection> all() {
        return connections.values();
    }

    /** The connections after {@code id} (all of them when null), ordered by id: a live view, no copy. */
    public Collection<ManagedConnection> after(String id) {
        return id == null ? connections.values() : connections.tailMap(id, false).values();
    }

    /** Whether the connection comes from configuration (and is read-only over HTTP). */
    public boolean isConfigured(String id) {
        return configured.contains(id);
    }

    /** The stored spec of a runtime connection; {@link UnknownConnectionException} or 409 for a configured one. */
    public JsonNode spec(String id) {
        get(id);
        if (configured.contains(id)) {
            throw new ConnectionChangeRefusedException(Reason.CONFIGURED_CONNECTION,
                    "connection " + id + " comes from the configuration; it has no spec over HTTP");
        }
        JsonNode spec = specs.load().get(id);
        if (spec == null) {
            throw new UnknownConnectionException(id);
        }
        return spec;
    }

    /**
     * Creates or replaces a runtime connection. Everything is checked before anything changes; the spec is stored
     * durably before the connection exists or changes. Blocks (DNS, file): call it off the event loop.
     *
     * @param ifMatch the {@code If-Match} header, or null
     */
    public synchronized Change put(String id, JsonNode spec, String ifMatch) {
        if (configured.contains(id)) {
            throw new ConnectionChangeRefusedException(Reason.CONFIGURED_CONNECTION,
                    "connection " + id + " comes from the configuration and is not changed over HTTP");
        }
        ManagedConnection existing = connections.get(id);
        String current = existing == null ? null : ConnectionSpec.etag(specs.load().get(id));
        if (ifMatch != null && !ifMatch.isBlank()
                && (current == null || !("*".equals(ifMatch.trim()) || ifMatch.trim().equals(current)))) {
            throw new ConnectionChangeRefusedException(Reason.PRECONDITION_FAILED, current == null
                    ? "connection " + id + " does not exist, so If-Match cannot match"
                    : "If-Match " + ifMatch + " does not match the current spec " + current);
        }
        LonglinkConfig.ConnectionConfig c;
        SessionPlan plan;
        try {
            c = ConnectionSettings.read(id, ConnectionSpec.keys(spec));
            plan = definition(id, c, runtimeReads);
        } catch (ConnectionSettings.InvalidSettingsException e) {
            throw new ConnectionChangeRefusedException(Reason.INVALID_SPEC,
                    "the spec of connection " + id + " has " + e.problems().size() + " bad setting(s)", e.problems());
        }
        try {
            upstreams.check(c.url());
        } catch (UpstreamNotAllowedException e) {
            throw new ConnectionChangeRefusedException(Reason.UPSTREAM_NOT_ALLOWED, e.getMessage());
        }
        specs.save(id, spec);
        String etag = ConnectionSpec.etag(spec);
        etags.put(id, etag);
        if (existing != null) {
            configs.put(id, c);
            existing.reconfigure(c, plan, new WebSocketUpstream(vertx, c, upstreams), tokens(id, c, plan));
            Log.infof("[%s] spec replaced", id);
            changed(id, existing);
            return new Change(false, etag, existing.status());
        }
        ManagedConnection created = build(id, c, plan, upstreams);
        connections.put(id, created);
        observer.connectionAdded(created);
        changed(id, created);
        Log.infof("[%s] created over HTTP", id);
        if (c.autoOpen()) {
            created.open();
        }
        return new Change(true, etag, created.status());
    }

    /**
     * Removes a runtime connection: close frame 1000, then it is gone, spec included. With messages queued it is
     * refused unless {@code discard}, which drops them. Blocks (file): call it off the event loop.
     */
    public synchronized CompletableFuture<Void> delete(String id, boolean discard) {
        ManagedConnection connection = get(id);
        if (configured.contains(id)) {
            throw new ConnectionChangeRefusedException(Reason.CONFIGURED_CONNECTION,
                    "connection " + id + " comes from the configuration and is not removed over HTTP");
        }
        int queued = connection.queued();
        if (queued > 0 && !discard) {
            throw new ConnectionChangeRefusedException(Reason.OUTBOX_NOT_EMPTY, "connection " + id + " has " + queued
                    + " message(s) queued; send them first or delete with ?discard=true to drop them");
        }
        specs.delete(id);
        connections.remove(id);
        etags.remove(id);
        configs.remove(id);
        observer.connectionRemoved(id);
        changes.fire(new ConnectionChange(id, null));
        if (discard) {
            outbox.discard(id);
        }
        Log.infof("[%s] removed over HTTP%s", id, queued > 0 ? " (" + queued + " queued message(s) dropped)" : "");
        CompletableFuture<Void> retired = connection.retire().toCompletableFuture();
        // a cluster's lease goes once the socket closed and the store dropped the rows
        retired.whenComplete((ok, failure) -> ownership.forget(id));
        return retired;
    }
}
