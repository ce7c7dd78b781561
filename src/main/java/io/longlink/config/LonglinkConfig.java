package io.longlink.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Everything an operator can set, under the {@code longlink.} prefix. Each connection is an entry of
 * {@link #connections()}, keyed by its id; every knob has a default except the upstream {@code url}.
 */
@ConfigMapping(prefix = "longlink")
public interface LonglinkConfig {

    /** The managed connections, keyed by id ({@code [a-z0-9][a-z0-9-]{0,62}}). */
    Map<String, ConnectionConfig> connections();

    /** The built-in echo upstream served at {@code /echo}. */
    Echo echo();

    /** What happens when the process is asked to stop. */
    Shutdown shutdown();

    /** What {@code /q/metrics} publishes beyond the counters and gauges. */
    Metrics metrics();

    interface Shutdown {
        /**
         * Treat SIGTERM as a requested stop: the graceful shutdown runs and the process exits 0 (the JVM's own
         * handler exits 143). Only in the packaged application, never in dev or test mode.
         */
        @WithDefault("true")
        boolean exitZeroOnSigterm();

        /** {@code Retry-After} of the 503 that answers an enqueue once shutdown began. */
        @WithDefault("5s")
        Duration retryAfter();
    }

    /** Where accepted messages and their states are kept. */
    Store store();

    /** Which outbox store backs every connection. */
    enum StoreKind {
        /** An embedded SQLite file: survives restarts and kill -9. */
        SQLITE,
        /** Process memory: fastest, lost with the process. */
        MEMORY
    }

    /** How hard SQLite works to keep a commit (its {@code synchronous} pragma in WAL mode). */
    enum StoreSync {
        /** Durable before 202 even on power loss: every commit is fsynced. */
        FULL,
        /** Survives a process crash; a power loss may take the last commits. */
        NORMAL
    }

    interface Store {
        /** {@code sqlite} (embedded file, survives restarts) or {@code memory}. */
        @WithDefault("sqlite")
        StoreKind kind();

        /** The SQLite file; its directory is created when missing. In Kubernetes, on a persistent volume. */
        @WithDefault("data/longlink.db")
        String path();

        /** {@code full}: durable before 202 even on power loss; {@code normal}: survives a process crash. */
        @WithDefault("full")
        StoreSync sync();

        /** Most store operations (enqueues, sent marks) the writer commits in one transaction. */
        @WithDefault("1000")
        int maxBatch();

        /** An {@code Idempotency-Key} is forgotten only once it is older than this (and not among the newest). */
        @WithDefault("24h")
        Duration idempotencyRetention();

        /** A connection's newest {@code Idempotency-Key}s that are kept whatever their age. */
        @WithDefault("100000")
        int idempotencyKeys();

        /** Largest size of the store file; 0 for no limit. Beyond it enqueues answer 503 until sent messages are pruned. */
        @WithDefault("0")
        MemorySize maxSize();

        /** How often the writer prunes old idempotency keys, and retries a store that failed. */
        @WithDefault("5s")
        Duration maintenanceInterval();

        /** Seconds a producer is asked to wait ({@code Retry-After}) when the store cannot take a message. */
        @WithDefault("5s")
        Duration retryAfter();

        /** Most payload bytes one read of an outbox's head brings into memory (always at least one message). */
        @WithDefault("4M")
        MemorySize readWindow();
    }

    interface Metrics {
        /** Bucket bounds, in seconds, of {@code longlink_heartbeat_round_trip_seconds}. */
        @WithDefault("0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10")
        List<Double> roundTripBuckets();

        /** Bucket bounds, in seconds, of {@code longlink_enqueue_duration_seconds}. */
        @WithDefault("0.0001,0.00025,0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1")
        List<Double> enqueueBuckets();
    }

    interface Echo {
        /** Serve a WebSocket echo endpoint at {@code /echo} so the whole loop can be tried without an upstream. */
        @WithDefault("false")
        boolean enabled();
    }

    interface ConnectionConfig {
        /** The {@code ws://} or {@code wss://} upstream. */
        URI url();

        /** Open the connection at start-up. */
        @WithDefault("true")
        boolean autoOpen();

        /** Deadline for the TCP connect plus the WebSocket handshake. */
        @WithDefault("10s")
        Duration connectTimeout();

        /** How long a close waits for the upstream's close frame before the socket is dropped. */
        @WithDefault("5s")
        Duration closeTimeout();

        /** Headers sent with the handshake, e.g. {@code Authorization}. Never logged or shown. */
        Map<String, String> headers();

        /** Subprotocols offered in the handshake. */
        Optional<List<String>> subprotocols();

        Reconnect reconnect();

        Heartbeat heartbeat();

        Offline offline();

        Outbox outbox();

        Inbound inbound();
    }

    interface Reconnect {
        /** Failed attempts in one cycle before the connection is {@code FAILED}; -1 never gives up. */
        @WithDefault("10")
        int maxAttempts();

        /** Delay before the second attempt of a cycle; the first one is immediate. Doubles after each failure. */
        @WithDefault("2s")
        Duration initialDelay();

        /** Cap of the doubling delay. */
        @WithDefault("60s")
        Duration maxDelay();

        /** Fraction (0 to 1) of each delay that is randomised, so many clients do not retry in step. */
        @WithDefault("0.5")
        double jitter();
    }

    interface Heartbeat {
        /** Ping period while open. */
        @WithDefault("10s")
        Duration interval();

        /** A ping not answered by a pong within this time means the socket is dead. */
        @WithDefault("10s")
        Duration timeout();
    }

    interface Offline {
        /** Reachability probe period while the network is gone. */
        @WithDefault("1s")
        Duration probeInterval();
    }

    interface Outbox {
        /** Messages waiting per connection; beyond it an enqueue answers 503 {@code outbox-full}. */
        @WithDefault("10000")
        int capacity();

        /** Payload bytes waiting per connection; beyond it an enqueue answers 503 {@code outbox-full}. */
        @WithDefault("1G")
        MemorySize maxBytes();

        /** {@code Retry-After} of the 503 {@code outbox-full}. */
        @WithDefault("1s")
        Duration retryAfter();

        /** Largest accepted message body; larger ones answer 413. */
        @WithDefault("1M")
        MemorySize maxMessageSize();

        /** Sent messages whose state stays readable by id (the oldest are forgotten first). */
        @WithDefault("100000")
        int retainSent();

        /** Messages written to the socket per flush. */
        @WithDefault("64")
        int batchSize();
    }

    interface Inbound {
        /** Inbound messages kept for reading by cursor (the oldest are dropped first). */
        @WithDefault("10000")
        int retain();

        /** How long an inbound message stays readable. */
        @WithDefault("7d")
        Duration retainFor();

        /** Newest inbound messages also kept in memory; older retained ones are read from the store. */
        @WithDefault("1000")
        int cache();

        /** Largest message accepted from the upstream; a larger one closes the socket. */
        @WithDefault("16M")
        MemorySize maxMessageSize();

        /** Inbound push: what the upstream sent, POSTed to an HTTP receiver in order (off without a url). */
        Webhook webhook();
    }

    // --- inbound push (webhooks, issue 14) ---

    interface Webhook {
        /** The receiver; inbound messages are POSTed here in batches, in order. No url: no webhook. */
        Optional<URI> url();

        /**
         * Signing secret: {@code whsec_<base64>} (the key is the decoded bytes, as Standard Webhooks issues them) or
         * any other string (the key is its UTF-8). {@code {{file:/path}}} and {@code {{env:NAME}}} are expanded at
         * every request. Without a secret the requests are not signed. Never logged.
         */
        Optional<String> secret();

        /** Most messages per POST. */
        @WithDefault("100")
        int maxBatch();

        /** Deadline of one request, connect to the end of the response; past it the attempt failed. */
        @WithDefault("10s")
        Duration timeout();

        WebhookRetry retry();
    }

    interface WebhookRetry {
        /** Delay before the first retry of a failed batch; doubles after each failure. Retries never end. */
        @WithDefault("1s")
        Duration initialDelay();

        /** Cap of the doubling delay. */
        @WithDefault("60s")
        Duration maxDelay();

        /** Each delay is moved by a random amount up to this, either way, so receivers are not hit in step. */
        @WithDefault("200ms")
        Duration jitter();
    }
}
