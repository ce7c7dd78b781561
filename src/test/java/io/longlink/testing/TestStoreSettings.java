package io.longlink.testing;

import java.math.BigInteger;
import java.time.Duration;

import io.longlink.config.LonglinkConfig;
import io.quarkus.runtime.configuration.MemorySize;

/** SQLite store settings for unit tests: a short maintenance interval so upkeep and recovery are quick. */
public record TestStoreSettings(String path, MemorySize maxSize, MemorySize readWindow, LonglinkConfig.StoreSync sync,
        Duration maintenanceInterval) implements LonglinkConfig.Store {

    /** A store at {@code path}: no size limit, a 1 MiB read window, {@code sync=normal}, upkeep every 100 ms. */
    public static TestStoreSettings at(String path) {
        return new TestStoreSettings(path, bytes(0), bytes(1 << 20), LonglinkConfig.StoreSync.NORMAL,
                Duration.ofMillis(100));
    }

    public TestStoreSettings withPath(String newPath) {
        return new TestStoreSettings(newPath, maxSize, readWindow, sync, maintenanceInterval);
    }

    public TestStoreSettings withMaxSize(long bytes) {
        return new TestStoreSettings(path, bytes(bytes), readWindow, sync, maintenanceInterval);
    }

    public TestStoreSettings withReadWindow(long bytes) {
        return new TestStoreSettings(path, maxSize, bytes(bytes), sync, maintenanceInterval);
    }

    public TestStoreSettings withSync(LonglinkConfig.StoreSync newSync) {
        return new TestStoreSettings(path, maxSize, readWindow, newSync, maintenanceInterval);
    }

    public TestStoreSettings withMaintenanceInterval(Duration interval) {
        return new TestStoreSettings(path, maxSize, readWindow, sync, interval);
    }

    private static MemorySize bytes(long n) {
        return new MemorySize(BigInteger.valueOf(n));
    }

    @Override
    public LonglinkConfig.StoreKind kind() {
        return LonglinkConfig.StoreKind.SQLITE;
    }

    @Override
    public int maxBatch() {
        return 1000;
    }

    @Override
    public Duration idempotencyRetention() {
        return Duration.ofHours(24);
    }

    @Override
    public int idempotencyKeys() {
        return 100_000;
    }

    @Override
    public Duration retryAfter() {
        return Duration.ofSeconds(1);
    }

    /** As often as the upkeep. */
    @Override
    public Duration reopenInterval() {
        return maintenanceInterval;
    }
}
