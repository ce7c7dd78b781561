package io.longlink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.longlink.testing.TestStoreSettings;

/** The writer's grouping of jobs into transactions, on a real SQLite file in {@code target/}. */
class StoreWriterTest {

    @Test
    void aJobSubmittedWhileATransactionIsWrittenSharesItsCommit() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-stores")), "writer-");
        // no upkeep during the test: only the jobs' transactions commit
        TestStoreSettings settings = TestStoreSettings.at(dir.resolve("longlink.db").toString())
                .withMaintenanceInterval(Duration.ofHours(1));
        try (StoreDatabase database = new StoreDatabase(settings, Clock.systemUTC())) {
            database.start();
            CompletableFuture<Void> first = new CompletableFuture<>();
            CompletableFuture<Void> late = new CompletableFuture<>();
            long before = database.commits();
            // arrives while the first job's transaction is being written, as an enqueue from an event loop would
            database.submit(job(first, () -> database.submit(job(late, () -> {
            }))));
            first.get(10, TimeUnit.SECONDS);
            late.get(10, TimeUnit.SECONDS);
            assertEquals(before + 1, database.commits(), "both jobs in one commit");
        }
    }

    @Test
    void aClaimOrReleaseIsWrittenAloneAfterTheJobsBeforeItEvenWhenTheyArriveLate() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-stores")), "writer-");
        TestStoreSettings settings = TestStoreSettings.at(dir.resolve("longlink.db").toString())
                .withMaintenanceInterval(Duration.ofHours(1));
        try (StoreDatabase database = new StoreDatabase(settings, Clock.systemUTC())) {
            database.start();
            java.util.List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            CompletableFuture<Void> first = new CompletableFuture<>();
            CompletableFuture<Void> after = new CompletableFuture<>();
            long before = database.commits();
            // the claim and a job after it arrive while the first job's transaction is written
            database.submit(job(first, () -> {
                order.add("first");
                database.claim("c").thenRun(() -> order.add("claimed"));
                database.submit(job(after, () -> order.add("after")));
            }));
            after.get(10, TimeUnit.SECONDS);
            assertEquals(java.util.List.of("first", "claimed", "after"), order);
            assertEquals(before + 3, database.commits(), "the claim in a transaction of its own, between the others");
        }
    }

    private static StoreJob job(CompletableFuture<Void> done, Runnable whileWritten) {
        return new StoreJob() {
            @Override
            public void write(Transaction tx) throws SQLException {
                whileWritten.run();
            }

            @Override
            public void committed() {
                done.complete(null);
            }

            @Override
            public boolean rolledBack(RuntimeException cause) {
                done.completeExceptionally(cause);
                return false;
            }
        };
    }
}
