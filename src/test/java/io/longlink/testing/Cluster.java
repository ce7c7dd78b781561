package io.longlink.testing;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Several packaged-app instances in cluster mode sharing one PostgreSQL database ({@code longlink.store.kind=
 * postgresql}), each a child process with its own instance id, all with the same configuration otherwise, as the
 * pods of one Deployment. Instances start and stop in parallel (each start costs seconds); their logs are
 * {@code target/it-logs/<name>-<instance>.log}.
 */
public final class Cluster implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Starts and stops run here, one thread each: the common pool has one thread on a 2-core machine. */
    private static final ExecutorService PARALLEL = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "cluster-instances");
        thread.setDaemon(true);
        return thread;
    });

    private final String name;
    private final Map<String, PackagedApp> instances;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Cluster(String name, Map<String, PackagedApp> instances) {
        this.name = name;
        this.instances = instances;
    }

    /** The settings every instance gets for the store and its lease timings; add the connections to them. */
    public static Map<String, String> settings(PostgresServer postgres, String database, Duration leaseTtl,
            Duration renewInterval) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("longlink.store.kind", "postgresql");
        config.put("quarkus.datasource.longlink.jdbc.url", postgres.jdbcUrl(database));
        config.put("quarkus.datasource.longlink.username", postgres.username());
        config.put("quarkus.datasource.longlink.password", postgres.password());
        config.put("longlink.cluster.lease-ttl", leaseTtl.toMillis() + "ms");
        config.put("longlink.cluster.renew-interval", renewInterval.toMillis() + "ms");
        return config;
    }

    /** Starts one instance per id with {@code config} plus its own {@code longlink.cluster.instance-id}. */
    public static Cluster start(String name, List<String> instanceIds, Map<String, String> config) {
        Map<String, CompletableFuture<PackagedApp>> starting = new LinkedHashMap<>();
        for (String id : instanceIds) {
            Map<String, String> own = new LinkedHashMap<>(config);
            own.put("longlink.cluster.instance-id", id);
            starting.put(id, CompletableFuture.supplyAsync(() -> {
                try {
                    return PackagedApp.start(name + "-" + id, own);
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, PARALLEL));
        }
        Map<String, PackagedApp> started = new LinkedHashMap<>();
        RuntimeException failure = null;
        for (Map.Entry<String, CompletableFuture<PackagedApp>> entry : starting.entrySet()) {
            try {
                started.put(entry.getKey(), entry.getValue().join());
            } catch (CompletionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (failure == null) {
                    failure = new IllegalStateException("instance " + entry.getKey() + " of " + name
                            + " did not start: " + cause.getMessage(), cause);
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        Cluster cluster = new Cluster(name, started);
        if (failure != null) {
            cluster.close();
            throw failure;
        }
        return cluster;
    }

    public PackagedApp instance(String id) {
        PackagedApp app = instances.get(id);
        if (app == null) {
            throw new IllegalArgumentException("no instance " + id + " in " + instances.keySet());
        }
        return app;
    }

    public List<String> ids() {
        return List.copyOf(instances.keySet());
    }

    /** The ids of the instances whose process is alive (paused ones included). */
    public List<String> alive() {
        return instances.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey).toList();
    }

    /**
     * {@code GET /connections/{connection}} on one instance, or empty when the instance does not answer or answers
     * something other than 200 (while it is starting, stopping or failing over).
     */
    public Optional<JsonNode> status(String instance, String connection) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    instance(instance).uri("/connections/" + connection)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Optional.empty();
            }
            return Optional.of(JSON.readTree(response.body()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * The owner of {@code connection} as {@code instance} reports it (null while nobody owns it, or when the
     * instance does not answer). Fails at once when the status has no {@code owner} field at all: that is not
     * cluster mode, and waiting would only hide it.
     */
    public String owner(String instance, String connection) {
        return status(instance, connection).map(s -> {
            if (!s.has("owner")) {
                throw new IllegalStateException("the status of " + connection + " on instance " + instance
                        + " has no field owner (cluster mode contract): " + s);
            }
            return s.get("owner").isNull() ? null : s.get("owner").asText();
        }).orElse(null);
    }

    /** The lease epoch of {@code connection} as {@code instance} reports it, or -1 when unknown. */
    public long epoch(String instance, String connection) {
        return status(instance, connection).map(s -> {
            if (!s.has("epoch")) {
                throw new IllegalStateException("the status of " + connection + " on instance " + instance
                        + " has no field epoch (cluster mode contract): " + s);
            }
            return s.get("epoch").asLong(-1);
        }).orElse(-1L);
    }

    /** Readiness of one instance: 200 (UP), 503 (DOWN) or -1 when it does not answer. */
    public int readiness(String instance) {
        return instance(instance).httpStatus("/q/health/ready");
    }

    /** Where the logs of the instances are, for failure messages. */
    public String logs() {
        return "target/it-logs/" + name + "-{" + String.join(",", instances.keySet()) + "}.log";
    }

    /** Stops every instance (SIGTERM, SIGKILL after 30 s; a paused one is resumed first), in parallel. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> stopping = new ArrayList<>();
        for (PackagedApp app : instances.values()) {
            stopping.add(CompletableFuture.runAsync(() -> {
                try {
                    app.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, PARALLEL));
        }
        stopping.forEach(CompletableFuture::join);
    }
}
