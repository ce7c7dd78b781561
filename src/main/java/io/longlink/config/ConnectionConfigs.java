package io.longlink.config;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

/**
 * Every connection's settings by id: those from configuration from the start, runtime ones from when they are
 * created until they are removed. The stores look limits up here ({@code outbox.capacity}, {@code inbound.retain},
 * ...), so a connection created or replaced over HTTP is held to its own settings without rebuilding a store.
 */
@Singleton
public class ConnectionConfigs {

    private final Map<String, LonglinkConfig.ConnectionConfig> byId = new ConcurrentHashMap<>();

    public ConnectionConfigs(LonglinkConfig config, io.longlink.connection.ConnectionSpecStore specs) {
        // stored runtime specs too, so the stores load their queues and logs with the right limits at start
        specs.load().forEach((id, spec) -> {
            try {
                byId.put(id, ConnectionSettings.read(id, ConnectionSpec.keys(spec)));
            } catch (IllegalArgumentException e) {
                // the registry reports an unusable stored spec
            }
        });
        byId.putAll(config.connections());
    }

    /** The settings of connection {@code id}, or null when there is no such connection. */
    public LonglinkConfig.ConnectionConfig get(String id) {
        return byId.get(id);
    }

    public void put(String id, LonglinkConfig.ConnectionConfig config) {
        byId.put(id, config);
    }

    public void remove(String id) {
        byId.remove(id);
    }
}
