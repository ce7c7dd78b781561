package io.longlink.inbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.longlink.config.LonglinkConfig;
import io.longlink.store.StoreDatabase;
import io.longlink.testing.TestStoreSettings;

/** The inbound store on a SQLite file in {@code target/}, and what it takes per frame at each sync level. */
class SqliteInboundStoreTest extends InboundStoreSuite {

    @Override
    protected StoreDatabase database(TestStoreSettings settings) {
        return new StoreDatabase(settings, clock);
    }

    @Override
    protected long rows() throws Exception {
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                var row = c.createStatement().executeQuery("SELECT count(*) FROM inbound_message")) {
            row.next();
            return row.getLong(1);
        }
    }

    @Test
    void inboundThroughputOfTheStore() {
        for (LonglinkConfig.StoreSync sync : LonglinkConfig.StoreSync.values()) {
            file = file.resolveSibling(sync.name().toLowerCase() + ".db");
            InboundLog log = open(new InboundSettings(1_000_000, Duration.ofDays(7), 1000), sync);
            int count = 50_000;
            String payload = "x".repeat(100);
            long started = System.nanoTime();
            for (int i = 0; i < count; i++) {
                log.appendText(payload);
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> read(log, count - 1, 1).size() == 1);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("inbound store (sqlite, sync=%s): %d frames of 100 bytes appended and committed in %.2f s:"
                    + " %.0f frames/s%n", sync.name().toLowerCase(), count, seconds, count / seconds);
            assertTrue(count / seconds > 1000, "fewer than 1000 inbound frames per second");
        }
    }
}
