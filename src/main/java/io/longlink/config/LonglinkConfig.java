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

    /** How the HTTP intake is served. */
    Http http();

    /** The state-change events of {@code GET /events}. */
    Events events();

    /** Which upstreams connections created over HTTP may reach. */
    Upstreams upstreams();

    /** What the templates of connections created over HTTP may read. */
    Templates templates();

    /** Several instances sharing one PostgreSQL database ({@code longlink.store.kind=postgresql}). */
    Cluster cluster();

    interface Cluster {
        /** This instance's name in leases and in status {@code owner}; default the host name. */
        Optional<String> instanceId();

        /**
         * The base URL other instances forward requests to (e.g. {@code http://10.1.2.3:8080}); default
         * {@code http://<this host's address>:<the HTTP port>}. In Kubernetes, the pod IP.
         */
        Optional<URI> advertiseUrl();

        /** How long an owner's lease lasts without renewal; a dead owner is replaced within it plus 2 s. */
        @WithDefault("10s")
        Duration leaseTtl();

        /** How often an instance renews its leases, balances connections and refreshes who owns what. */
        @WithDefault("3s")
        Duration renewInterval();

        /** {@code Retry-After} of the 503 {@code no-owner} while a connection has no live owner. */
        @WithDefault("1s")
        Duration retryAfter();
    }

    interface Upstreams {
        /**
         * Glob patterns of host names (or addresses) a runtime connection may reach even when they resolve to a
         * private address, e.g. {@code *.internal.example.com}; empty by default.
         */
        Optional<List<String>> allowedHosts();

        /**
         * Refuse runtime connections to hosts that resolve to a loopback, link-local, private (RFC 1918, fc00::/7)
         * or unspecified address unless they match {@code allowed-hosts}; checked at PUT and at every connect.
         */
        @WithDefault("true")
        boolean denyPrivate();

        /**
         * Handshake budgets shared by every connection of this instance: at most {@code limit} handshakes per
         * {@code per} to the hosts an entry's {@code hosts} globs match (the first matching entry applies), so a
         * reconnect storm (an upstream restart, the network back) is spread out. Waiting connections get the slots
         * in the order they asked for them.
         */
        List<ConnectRate> connectRates();
    }

    interface ConnectRate {
        /** Glob patterns of upstream host names ({@code *} any run of characters, {@code ?} one character). */
        List<String> hosts();

        /** Most handshakes to the matching hosts in any window of {@code per}. */
        int limit();

        /** The window of {@code limit}. */
        Duration per();

        /**
         * Added to {@code per}: the upstream counts handshakes when it reads them, and two sent exactly a window apart
         * can be read closer together.
         */
        @WithDefault("50ms")
        Duration margin();
    }

    interface Templates {
        /**
         * Glob patterns ({@code *} any run of characters, {@code /} included; {@code ?} one character) of the real
         * paths (symbolic links resolved) a runtime spec's {@code {{file:...}}} may read, e.g.
         * {@code /etc/longlink/runtime/**}; empty by default: no file. Configured connections are not limited.
         */
        Optional<List<String>> allowedFiles();

        /**
         * Glob patterns of the environment variables a runtime spec's {@code {{env:...}}} may read, e.g.
         * {@code FEED_*}; empty by default: no variable. Configured connections are not limited.
         */
        Optional<List<String>> allowedEnv();
    }

    interface Events {
        /** Newest events kept in memory for streams resuming with {@code Last-Event-ID}. */
        @WithDefault("1000")
        int retain();
    }

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

        /**
         * How much longer than the longest {@code close-timeout} the shutdown waits for the sockets to close (each
         * close ends at its own timeout; this covers the timers' own lateness).
         */
        @WithDefault("500ms")
        Duration closeMargin();
    }

    /** Where accepted messages and their states are kept. */
    Store store();

    /** Which outbox store backs every connection. */
    enum StoreKind {
        /** An embedded SQLite file: survives restarts and kill -9. */
        SQLITE,
        /** The {@code longlink} datasource's PostgreSQL database, shared by the instances of a cluster. */
        POSTGRESQL,
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
        /**
         * {@code sqlite} (embedded file, survives restarts), {@code postgresql} (cluster mode: the
         * {@code quarkus.datasource.longlink.*} database, shared by several instances) or {@code memory}.
         */
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

        /**
         * How often the writer tries again to open a store whose connection it lost (a database server restarted,
         * the network dropped), so writes and readiness come back this soon after the database does.
         */
        @WithDefault("1s")
        Duration reopenInterval();

        /** Seconds a producer is asked to wait ({@code Retry-After}) when the store cannot take a message. */
        @WithDefault("5s")
        Duration retryAfter();

        /**
         * Most payload bytes one read of an outbox's head brings into memory (always at least one message); with the
         * memory store, the most payload bytes one flush step writes.
         */
        @WithDefault("4M")
        MemorySize readWindow();
    }

    interface Http {
        /**
         * Serve {@code POST /connections/{id}/messages} from a Vert.x route ahead of Quarkus REST (same checks,
         * same answers, a fraction of the per-request work); {@code false} leaves it to the Quarkus REST resource.
         */
        @WithDefault("true")
        boolean enqueueRoute();
    }

    interface Metrics {
        /**
         * Tag every series with {@code connection=<id>}; {@code false} publishes totals instead (summed over all
         * connections, {@code longlink_connections{state}} for the states), so the number of series no longer
         * grows with the number of connections.
         */
        @WithDefault("true")
        boolean perConnection();

        /** Bucket bounds, in seconds, of {@code longlink_heartbeat_round_trip_seconds}. */
        @WithDefault("0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10")
        List<Double> roundTripBuckets();

        /** Bucket bounds, in seconds, of {@code longlink_enqueue_duration_seconds}. */
        @WithDefault("0.0001,0.00025,0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1")
        List<Double> enqueueBuckets();

        /** Bucket bounds, in seconds, of {@code longlink_socket_lifetime_seconds}. */
        @WithDefault("0.01,0.1,1,5,10,30,60,300,900,3600,21600,86400")
        List<Double> socketLifetimeBuckets();
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

        /**
         * Headers sent with the handshake, e.g. {@code Authorization}; values are templates expanded at every
         * attempt ({@code {{file:/path}}}, {@code {{env:NAME}}}, ...). Never logged or shown.
         */
        Map<String, String> headers();

        /**
         * What every new socket does before it counts as OPEN and before any outbox message: steps in index
         * order ({@code on-open[0]}, {@code on-open[1]}, ...), each sending a frame and/or waiting for a reply.
         */
        List<OnOpenStep> onOpen();

        /** Subprotocols offered in the handshake. */
        Optional<List<String>> subprotocols();

        /** Credentials obtained before a handshake, besides the {@code headers} templates. */
        Auth auth();

        /**
         * A Quarkus TLS registry entry ({@code quarkus.tls.<name>.trust-store.*}, {@code .key-store.*}) for a
         * {@code wss://} upstream: a custom CA to trust, a client certificate to present (mTLS). Without it the JVM's
         * default trust is used. Host names are verified either way.
         */
        Optional<String> tlsConfigurationName();

        /** The egress proxy the handshake and the offline probe go through. */
        Proxy proxy();

        Reconnect reconnect();

        Heartbeat heartbeat();

        Offline offline();

        Outbox outbox();

        Inbound inbound();

        /** Request and reply: {@code POST /connections/{id}/requests} written as one text frame, answered by its reply. */
        Requests requests();

        /**
         * A socket open this long is replaced make-before-break: a second socket is opened and made ready (its on-open
         * steps) while the first keeps carrying traffic, then the outbox moves over and the first closes with 1000.
         * None: never.
         */
        Optional<Duration> rotateAfter();

        /**
         * A matcher ({@code json:}, {@code regex:}, {@code text:}): an inbound message that matches starts the same
         * replacement at once (an upstream's "reconnect now" notice). None: never.
         */
        Optional<String> rotateOn();

        /** How fast frames are written to the upstream (an upstream's published message rate). */
        SendRate sendRate();
    }

    interface SendRate {
        /**
         * At most this many frames written in any window of {@code per}: outbox messages, on-open steps and text
         * heartbeats count (protocol pings do not). What does not fit waits, in order; nothing is dropped.
         * {@code none}: unlimited.
         */
        @WithDefault("none")
        String limit();

        /** The window of {@code limit}. */
        @WithDefault("1s")
        Duration per();

        /**
         * Added to {@code per}: the upstream counts frames when it reads them, and two frames written exactly a window
         * apart can be read closer together (network and its own processing delays).
         */
        @WithDefault("50ms")
        Duration margin();
    }

    interface Requests {
        /**
         * JSON Pointer to the request id in a request body: a value there is the caller's id, kept; without one a
         * fresh number, unique for the connection across restarts, is set there.
         */
        @WithDefault("/id")
        String idPointer();

        /**
         * JSON Pointer to the id in an inbound text message: a message whose value there equals an id is its reply.
         * Default: {@code id-pointer}.
         */
        Optional<String> replyPointer();

        /** How long a request waits to be written and answered when the call gives no {@code ?timeout=}. */
        @WithDefault("10s")
        Duration timeout();

        /** The longest {@code ?timeout=} a call may ask for; longer ones answer 400. */
        @WithDefault("60s")
        Duration maxTimeout();

        /** Requests waiting to be written or answered, per connection; beyond it 503 {@code too-many-requests}. */
        @WithDefault("1000")
        int maxInFlight();

        /** Keep replies in the inbound log like any other message; {@code false} leaves them out. */
        @WithDefault("true")
        boolean logReplies();
    }

    interface Auth {
        /** OAuth2 client credentials: a bearer token fetched from a token endpoint. */
        OAuth2 oauth2();
    }

    interface OAuth2 {
        /**
         * The token endpoint. When set, a token is fetched (grant {@code client_credentials}, client id and secret
         * sent with HTTP Basic) before a handshake when none is held or it expires within {@code expiry-margin}, and
         * again after the upstream rejected it (HTTP 401, close code 1008).
         */
        Optional<URI> tokenUrl();

        /** The client id (a template, e.g. {@code {{env:FEED_CLIENT_ID}}}); required with {@code token-url}. */
        Optional<String> clientId();

        /** The client secret (a template, e.g. {@code {{file:/var/run/secrets/feed}}}); never logged or shown. */
        Optional<String> clientSecret();

        /** Scopes asked for, space separated (a template). */
        Optional<String> scope();

        /** Send the token as this query parameter of the upstream URL instead of {@code Authorization: Bearer}. */
        Optional<String> queryParam();

        /** A held token that expires within this margin is replaced before the next handshake. */
        @WithDefault("30s")
        Duration expiryMargin();
    }

    interface Proxy {
        /**
         * {@code http://[user:pass@]host:port} (HTTP CONNECT, with basic credentials when given) or
         * {@code socks5://[user:pass@]host:port}; the credentials are never shown or logged.
         */
        Optional<URI> url();
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

        /** Handshake HTTP statuses that end the cycle at once: {@code FAILED}, no further attempt. */
        @WithDefault("400,403,404,410")
        List<Integer> fatalStatuses();

        /** Close codes from the upstream that end the cycle at once: {@code FAILED}, no further attempt. */
        @WithDefault("1002,1003,1007,1009,1010")
        List<Integer> fatalCloseCodes();

        /**
         * Close codes from the upstream that mean "your credentials were refused": the credentials are refreshed and
         * one attempt is made at once; a second such answer in a row is {@code FAILED}.
         */
        @WithDefault("1008")
        List<Integer> unauthorizedCloseCodes();

        /**
         * A socket that stayed open this long was stable: its loss starts a fresh cycle (first retry at once). A
         * socket lost earlier continues the backoff of the cycle that opened it (its next delay, never at once).
         */
        @WithDefault("30s")
        Duration stableAfter();
    }

    interface OnOpenStep {
        /** A text frame to send (a template, expanded when the step runs). */
        Optional<String> text();

        /** Instead of {@code text}: a binary frame, base64. */
        Optional<String> binary();

        /**
         * A matcher ({@code json:<pointer>=<value>}, {@code regex:<Java regex>}, {@code text:<exact text>}): the
         * next step waits until an inbound message matches it.
         */
        Optional<String> expect();

        /** No match by then: the attempt failed (counted, backoff as usual). */
        @WithDefault("10s")
        Duration timeout();
    }

    /** How the heartbeat pings. */
    enum HeartbeatMode {
        /** WebSocket ping and pong frames. */
        PING,
        /** An application-level text ping ({@code heartbeat.text}) answered by a message matching {@code heartbeat.expect}. */
        TEXT
    }

    interface Heartbeat {
        /** Ping period while open. */
        @WithDefault("10s")
        Duration interval();

        /** A ping not answered by a pong within this time means the socket is dead. */
        @WithDefault("10s")
        Duration timeout();

        /** {@code ping}: protocol ping frames; {@code text}: send {@code heartbeat.text} as a text frame. */
        @WithDefault("ping")
        HeartbeatMode mode();

        /** The application-level ping (a template; required with {@code mode=text}). */
        Optional<String> text();

        /** Matcher for the application-level pong (required with {@code mode=text}). */
        Optional<String> expect();

        /** Keep matched application-level pongs in the inbound log too. */
        @WithDefault("false")
        boolean keepPongs();
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

        /**
         * Messages written to the socket per flush step (at most {@code longlink.store.read-window} bytes of them), and
         * so at most the messages that may reach the upstream twice when a socket dies with writes in flight. Large
         * enough that a busy event loop's latency between two steps does not bound delivery.
         */
        @WithDefault("1024")
        int batchSize();

        /** Most messages one {@code POST .../messages:batch} may carry; more answer 413. */
        @WithDefault("1000")
        int maxBatch();

        /**
         * Flow control: while the connection is open and more than this many messages wait, an enqueue's 202 (the
         * message is stored) is held until the socket has caught up below it, at most {@code pace-timeout}; so a
         * producer faster than the upstream is slowed to its pace instead of filling the outbox up to 503. 0 turns
         * it off. Never applies while the connection is not open: then messages wait up to {@code capacity}.
         */
        @WithDefault("4096")
        int paceAbove();

        /** Longest an enqueue's 202 is held by {@code pace-above}. */
        @WithDefault("1s")
        Duration paceTimeout();
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

        /**
         * No inbound data message on a socket for this long (protocol pongs and {@code heartbeat.expect} pongs do
         * not count): the feed is stale and the socket is replaced (closed 1000, reconnected at once). None: never.
         */
        Optional<Duration> idleTimeout();

        /** The upstream's sequence numbers: gaps and duplicates. */
        Sequence sequence();
    }

    interface Sequence {
        /** JSON Pointer to the sequence number in each text message; messages without it are not checked. None: off. */
        Optional<String> pointer();

        /** JSON Pointer whose value separates independent sequences (a symbol, a channel); none: one sequence. */
        Optional<String> scope();

        /** What a gap does: {@code resync} replaces the socket (on-open runs again), {@code record} only reports it. */
        @WithDefault("resync")
        OnGap onGap();
    }

    /** What a gap in an upstream's sequence does. */
    enum OnGap {
        /** Replace the socket so that its on-open steps run again (re-subscribe, fresh snapshot). */
        RESYNC,
        /** Only count and report it. */
        RECORD
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
