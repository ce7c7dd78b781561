package io.longlink.webhook;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.longlink.inbox.RetentionHold;
import io.longlink.store.StoreDatabase;

/**
 * Each connection's webhook cursor (the seq of the last acknowledged message) and whether a receiver said
 * {@code 410 Gone}: in memory for {@code longlink.store.kind=memory}, else in table {@code webhook_cursor} of the
 * store file, written by the store's writer. It is also the {@link RetentionHold} of the inbound logs: nothing
 * above a live webhook's cursor is pruned. A webhook stopped by a 410 holds nothing (its receiver said it is gone;
 * holding for it would fill the disk); it stays stopped, across restarts, until its url is changed.
 */
public abstract class WebhookCursors {

    /** The configured webhook url of a connection id, empty when it has none. */
    private final Function<String, Optional<URI>> webhookUrls;
    /** Acknowledged cursors, newest value per connection; set by deliveries. */
    protected final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    /** The url that answered 410, per connection. */
    protected final Map<String, String> goneUrls = new ConcurrentHashMap<>();

    protected WebhookCursors(Function<String, Optional<URI>> webhookUrls) {
        this.webhookUrls = webhookUrls;
    }

    /** Cursors in process memory, lost with it. */
    public static WebhookCursors inMemory(Function<String, Optional<URI>> webhookUrls) {
        return new InMemory(webhookUrls);
    }

    /** Cursors in the store file; registers the table (before the inbound store's, so pruning sees them). */
    public static WebhookCursors durable(StoreDatabase database, Function<String, Optional<URI>> webhookUrls) {
        return new SqlWebhookCursors(database, webhookUrls);
    }

    /** The cursor to resume from: the last acknowledged seq, 0 for a webhook that never delivered. */
    public long delivered(String connectionId) {
        return acknowledged.getOrDefault(connectionId, 0L);
    }

    /** Whether {@code url} answered 410 for this connection: delivery stays stopped. */
    public boolean gone(String connectionId, URI url) {
        return url.toString().equals(goneUrls.get(connectionId));
    }

    /** A batch up to {@code seq} was acknowledged; completes once the cursor is stored. */
    public abstract CompletionStage<Void> save(String connectionId, long seq);

    /** The receiver at {@code url} answered 410: delivery stops until the url changes. */
    public abstract void markGone(String connectionId, URI url);

    /** The seq above which a connection's inbound must be kept; what pruning of the store may rely on. */
    protected abstract long floor(String connectionId);

    /** Keeps what a live webhook has not delivered. */
    public RetentionHold retentionHold() {
        return connectionId -> webhookUrls.apply(connectionId)
                .filter(url -> !gone(connectionId, url))
                .map(url -> floor(connectionId))
                .orElse(Long.MAX_VALUE);
    }

    private static final class InMemory extends WebhookCursors {
        InMemory(Function<String, Optional<URI>> webhookUrls) {
            super(webhookUrls);
        }

        @Override
        public CompletionStage<Void> save(String connectionId, long seq) {
            acknowledged.put(connectionId, seq);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void markGone(String connectionId, URI url) {
            goneUrls.put(connectionId, url.toString());
        }

        @Override
        protected long floor(String connectionId) {
            return delivered(connectionId);
        }
    }
}
