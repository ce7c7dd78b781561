package io.longlink.store;

import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.agroal.api.AgroalDataSource;
import io.longlink.cluster.ClusterMode;
import io.longlink.config.ConnectionConfigs;
import io.longlink.config.LonglinkConfig;
import io.longlink.inbox.InboundSettings;
import io.longlink.inbox.InboundStore;
import io.longlink.outbox.InMemoryOutboxStore;
import io.longlink.outbox.OutboxSettings;
import io.longlink.outbox.OutboxStore;
import io.longlink.outbox.SqlOutboxStore;
import io.longlink.webhook.WebhookCursors;
import io.quarkus.agroal.DataSource;
import io.quarkus.arc.InjectableInstance;
import io.quarkus.runtime.Startup;

/**
 * Chooses the stores from {@code longlink.store.kind} at run time: both directions in one SQLite file, in the
 * PostgreSQL database a cluster shares (fenced by the cluster's leases), or both in memory. They are created eagerly at start, on the main thread, so that loading a durable store never runs on the
 * event loop and every connection finds its queue and its inbound tail when it opens.
 */
public class StoreProducer {

    /** Both stores, and the file they share (null for the memory kind). */
    public record Stores(OutboxStore outbox, InboundStore inbound, StoreDatabase database, WebhookCursors webhooks) {
    }

    @Produces
    @Singleton
    @Startup
    Stores stores(LonglinkConfig config, ConnectionConfigs configs, Clock clock, ClusterMode cluster,
            @DataSource("longlink") InjectableInstance<AgroalDataSource> dataSource) {
        Function<String, OutboxSettings> outbox = id -> {
            LonglinkConfig.ConnectionConfig c = configs.get(id);
            return c == null ? OutboxSettings.NONE : OutboxSettings.of(c.outbox());
        };
        Function<String, InboundSettings> inbound = id -> {
            LonglinkConfig.ConnectionConfig c = configs.get(id);
            return c == null ? InboundSettings.NONE : InboundSettings.of(c.inbound());
        };
        Function<String, Optional<URI>> webhookUrls = id -> {
            LonglinkConfig.ConnectionConfig c = config.connections().get(id);
            return c == null ? Optional.empty() : c.inbound().webhook().url();
        };
        if (config.store().kind() == LonglinkConfig.StoreKind.MEMORY) {
            WebhookCursors webhooks = WebhookCursors.inMemory(webhookUrls);
            return new Stores(new InMemoryOutboxStore(clock, outbox, config.store().idempotencyKeys(),
                    config.store().readWindow().asLongValue()),
                    InboundStore.inMemory(inbound, clock, webhooks.retentionHold()), null, webhooks);
        }
        StoreDatabase database = cluster.cluster() == null ? new StoreDatabase(config.store(), clock)
                : StoreDatabase.postgresql(config.store(), dataSource.get(), "postgresql (datasource longlink)",
                        cluster.cluster(), config.cluster().leaseTtl().dividedBy(3), clock);
        // registered before the inbound tables: its upkeep writes the cursors that the inbound pruning then keeps
        WebhookCursors webhooks = WebhookCursors.durable(database, webhookUrls);
        Stores stores = new Stores(new SqlOutboxStore(database, config.store(), outbox, clock),
                InboundStore.durable(database, inbound, clock, webhooks.retentionHold()), database, webhooks);
        database.start();
        return stores;
    }

    @Produces
    @Singleton
    OutboxStore outboxStore(Stores stores) {
        return stores.outbox();
    }

    @Produces
    @Singleton
    InboundStore inboundStore(Stores stores) {
        return stores.inbound();
    }

    @Produces
    @Singleton
    WebhookCursors webhookCursors(Stores stores) {
        return stores.webhooks();
    }

    void close(@Disposes Stores stores) {
        if (stores.database() != null) {
            stores.database().close();
        }
    }
}
