package io.longlink.webhook;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.longlink.store.StoreDatabase;
import io.longlink.store.StoreJob;
import io.longlink.store.StoreTables;
import io.longlink.store.Transaction;

/**
 * Webhook cursors in table {@code webhook_cursor} of the store's database. A save is a {@link StoreJob} in the writer's
 * group commits; a save whose transaction fails is not kept (the next one carries a newer value), and upkeep writes
 * every acknowledged cursor again, so a store that recovers catches up without a delivery waiting on it.
 *
 * <p>Pruning safety: the inbound store prunes in the same upkeep transaction, right after this table's upkeep wrote
 * the acknowledged cursors, and {@link #floor} answers what that transaction (or an earlier committed one) wrote. So
 * a message is deleted only in a transaction that also makes the cursor past it durable: a crash can never bring
 * back a cursor below a deleted message. {@code floors} is written on the writer thread only.
 */
final class SqlWebhookCursors extends WebhookCursors implements StoreTables {

    private static final String SAVE = """
            INSERT INTO webhook_cursor (connection, delivered_seq) VALUES (?, ?)
            ON CONFLICT (connection) DO UPDATE SET delivered_seq = CASE WHEN excluded.delivered_seq > webhook_cursor.delivered_seq
                THEN excluded.delivered_seq ELSE webhook_cursor.delivered_seq END""";
    private static final String GONE = """
            INSERT INTO webhook_cursor (connection, delivered_seq, gone_url) VALUES (?, 0, ?)
            ON CONFLICT (connection) DO UPDATE SET gone_url = excluded.gone_url""";

    private final StoreDatabase database;
    /** Cursors as written by the writer (committed, or in the upkeep transaction now pruning). */
    private final Map<String, Long> floors = new ConcurrentHashMap<>();

    SqlWebhookCursors(StoreDatabase database, Function<String, Optional<URI>> webhookUrls) {
        super(webhookUrls);
        this.database = database;
        database.register(this);
    }

    @Override
    public CompletionStage<Void> save(String connectionId, long seq) {
        acknowledged.merge(connectionId, seq, Math::max);
        CompletableFuture<Void> stored = new CompletableFuture<>();
        database.submit(new Write(SAVE, connectionId, seq, stored));
        return stored;
    }

    @Override
    public void markGone(String connectionId, URI url) {
        goneUrls.put(connectionId, url.toString());
        database.submit(new Write(GONE, connectionId, url.toString(), null));
    }

    @Override
    protected long floor(String connectionId) {
        return floors.getOrDefault(connectionId, 0L);
    }

    @Override
    public void open(Connection jdbc, boolean loadAll) throws SQLException {
        database.dialect().createSchema(jdbc, """
                CREATE TABLE IF NOT EXISTS webhook_cursor (
                    connection TEXT PRIMARY KEY,
                    delivered_seq INTEGER NOT NULL,
                    gone_url TEXT)""");
        if (loadAll) {
            try (Statement s = jdbc.createStatement();
                    ResultSet rows = s.executeQuery("SELECT connection, delivered_seq, gone_url FROM webhook_cursor")) {
                load(rows);
            }
        }
    }

    @Override
    public void claim(Transaction tx, String connectionId) throws SQLException {
        release(connectionId);
        try (PreparedStatement select = tx.jdbc().prepareStatement(
                "SELECT connection, delivered_seq, gone_url FROM webhook_cursor WHERE connection = ?")) {
            select.setString(1, connectionId);
            try (ResultSet rows = select.executeQuery()) {
                load(rows);
            }
        }
    }

    @Override
    public void release(String connectionId) {
        acknowledged.remove(connectionId);
        floors.remove(connectionId);
        goneUrls.remove(connectionId);
    }

    private void load(ResultSet rows) throws SQLException {
        while (rows.next()) {
            acknowledged.merge(rows.getString(1), rows.getLong(2), Math::max);
            floors.put(rows.getString(1), rows.getLong(2));
            if (rows.getString(3) != null) {
                goneUrls.put(rows.getString(1), rows.getString(3));
            }
        }
    }

    @Override
    public void maintain(Transaction tx) throws SQLException {
        Map<String, Long> written = new HashMap<>(acknowledged);
        PreparedStatement save = tx.statement(SAVE);
        written.keySet().removeIf(id -> !tx.mayWrite(id));
        for (Map.Entry<String, Long> cursor : written.entrySet()) {
            save.setString(1, cursor.getKey());
            save.setLong(2, cursor.getValue());
            save.executeUpdate();
        }
        written.forEach((id, seq) -> floors.merge(id, seq, Math::max));
    }

    /**
     * One row write. A cursor save is not kept when its transaction fails (upkeep writes the newest cursor again);
     * a 410 mark is kept until a transaction takes it.
     */
    private final class Write implements StoreJob {
        private final String sql;
        private final String connectionId;
        private final Object value;
        /** Completed on commit for a cursor save; null for a 410 mark. */
        private final CompletableFuture<Void> stored;

        Write(String sql, String connectionId, Object value, CompletableFuture<Void> stored) {
            this.sql = sql;
            this.connectionId = connectionId;
            this.value = value;
            this.stored = stored;
        }

        @Override
        public String connectionId() {
            return connectionId;
        }

        @Override
        public void write(Transaction tx) throws SQLException {
            PreparedStatement statement = tx.statement(sql);
            statement.setString(1, connectionId);
            statement.setObject(2, value);
            statement.executeUpdate();
        }

        @Override
        public void committed() {
            if (stored != null) {
                floors.merge(connectionId, (Long) value, Math::max);
                stored.complete(null);
            }
        }

        @Override
        public boolean rolledBack(RuntimeException cause) {
            if (stored == null) {
                return true;
            }
            stored.completeExceptionally(cause);
            return false;
        }
    }
}
