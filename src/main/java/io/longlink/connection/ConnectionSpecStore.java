package io.longlink.connection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.config.ConnectionSpec;
import io.longlink.config.LonglinkConfig;
import io.longlink.store.StoreUnavailableException;

/**
 * Where the specs of connections created over HTTP are kept, so they are back after a restart. With the SQLite
 * store they are JSON files beside the store file ({@code <store dir>/connections/<id>.json}, each written to a
 * temporary file, fsynced and moved into place, so a crash leaves the old spec or the new one, never half of one);
 * in a cluster they are rows of table {@code connection_spec} that every instance reads; with the memory store they
 * live as long as the process. A database that cannot be reached is a {@link StoreUnavailableException} (503
 * {@code store-unavailable}).
 */
public interface ConnectionSpecStore {

    /** Every stored spec by connection id. */
    Map<String, JsonNode> load();

    /** Stores (or replaces) a spec durably before returning. */
    void save(String id, JsonNode spec);

    void delete(String id);

    /** The ETag ({@link ConnectionSpec#etag}) of every stored spec by connection id. */
    default Map<String, String> etags() {
        Map<String, String> etags = new TreeMap<>();
        load().forEach((id, spec) -> etags.put(id, ConnectionSpec.etag(spec)));
        return etags;
    }

    /** One stored spec, or null. */
    default JsonNode get(String id) {
        return load().get(id);
    }

    /** Chooses the kind from {@code longlink.store.kind}. */
    class Producer {
        @Produces
        @Singleton
        ConnectionSpecStore specs(LonglinkConfig config, ObjectMapper json,
                @io.quarkus.agroal.DataSource("longlink") io.quarkus.arc.InjectableInstance<io.agroal.api.AgroalDataSource> dataSource) {
            if (config.store().kind() == LonglinkConfig.StoreKind.MEMORY) {
                return new InMemory();
            }
            if (config.store().kind() == LonglinkConfig.StoreKind.POSTGRESQL) {
                return new Rows(dataSource.get(), json);
            }
            Path dir = Path.of(config.store().path()).toAbsolutePath().getParent();
            return new JsonFiles(dir == null ? Path.of("connections") : dir.resolve("connections"), json);
        }
    }

    /** Specs in process memory. */
    final class InMemory implements ConnectionSpecStore {
        private final Map<String, JsonNode> specs = new ConcurrentHashMap<>();

        @Override
        public Map<String, JsonNode> load() {
            return new TreeMap<>(specs);
        }

        @Override
        public void save(String id, JsonNode spec) {
            specs.put(id, spec.deepCopy());
        }

        @Override
        public void delete(String id) {
            specs.remove(id);
        }
    }

    /** One JSON file per spec. */
    final class JsonFiles implements ConnectionSpecStore {
        private final Path dir;
        private final ObjectMapper json;

        JsonFiles(Path dir, ObjectMapper json) {
            this.dir = dir;
            this.json = json;
        }

        @Override
        public Map<String, JsonNode> load() {
            Map<String, JsonNode> specs = new TreeMap<>();
            if (!Files.isDirectory(dir)) {
                return specs;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(".json")) {
                        specs.put(name.substring(0, name.length() - ".json".length()), json.readTree(file.toFile()));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the connection specs in " + dir, e);
            }
            return specs;
        }

        @Override
        public void save(String id, JsonNode spec) {
            try {
                Files.createDirectories(dir);
                Path temporary = dir.resolve(id + ".json.tmp");
                Files.write(temporary, json.writeValueAsBytes(spec));
                try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Files.move(temporary, dir.resolve(id + ".json"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot store the spec of connection " + id, e);
            }
        }

        @Override
        public void delete(String id) {
            try {
                Files.deleteIfExists(dir.resolve(id + ".json"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the spec of connection " + id, e);
            }
        }
    }

    /** Rows of the cluster's database, one per spec; each call is one statement on a pooled connection. */
    final class Rows implements ConnectionSpecStore {
        private final javax.sql.DataSource dataSource;
        private final ObjectMapper json;
        private volatile boolean created;

        Rows(javax.sql.DataSource dataSource, ObjectMapper json) {
            this.dataSource = dataSource;
            this.json = json;
        }

        @Override
        public Map<String, JsonNode> load() {
            Map<String, JsonNode> specs = new TreeMap<>();
            for (Map.Entry<String, String> row : byId("spec").entrySet()) {
                try {
                    specs.put(row.getKey(), json.readTree(row.getValue()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the connection specs: " + e.getMessage(), e);
                }
            }
            return specs;
        }

        @Override
        public Map<String, String> etags() {
            return byId("etag");
        }

        /** One column of every row, by connection id. */
        private Map<String, String> byId(String column) {
            Map<String, String> values = new TreeMap<>();
            try (java.sql.Connection c = connection();
                    java.sql.Statement s = c.createStatement();
                    java.sql.ResultSet rows = s.executeQuery("SELECT id, " + column + " FROM connection_spec")) {
                while (rows.next()) {
                    values.put(rows.getString(1), rows.getString(2));
                }
            } catch (java.sql.SQLException e) {
                throw new StoreUnavailableException("the connection specs cannot be read now: " + e.getMessage());
            }
            return values;
        }

        @Override
        public JsonNode get(String id) {
            try (java.sql.Connection c = connection();
                    java.sql.PreparedStatement select = c.prepareStatement("SELECT spec FROM connection_spec WHERE id = ?")) {
                select.setString(1, id);
                try (java.sql.ResultSet row = select.executeQuery()) {
                    return row.next() ? json.readTree(row.getString(1)) : null;
                }
            } catch (java.sql.SQLException e) {
                throw new StoreUnavailableException("the spec of connection " + id + " cannot be read now: "
                        + e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the spec of connection " + id + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void save(String id, JsonNode spec) {
            update("""
                    INSERT INTO connection_spec (id, spec, etag) VALUES (?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, etag = excluded.etag""", id, spec);
        }

        @Override
        public void delete(String id) {
            update("DELETE FROM connection_spec WHERE id = ?", id, null);
        }

        private void update(String sql, String id, JsonNode spec) {
            try (java.sql.Connection c = connection(); java.sql.PreparedStatement statement = c.prepareStatement(sql)) {
                statement.setString(1, id);
                if (spec != null) {
                    statement.setString(2, json.writeValueAsString(spec));
                    statement.setString(3, ConnectionSpec.etag(spec));
                }
                statement.executeUpdate();
            } catch (java.sql.SQLException e) {
                throw new StoreUnavailableException("the spec of connection " + id + " cannot be stored now: "
                        + e.getMessage() + "; nothing was changed");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot store the spec of connection " + id + ": " + e.getMessage(), e);
            }
        }

        private java.sql.Connection connection() throws java.sql.SQLException {
            java.sql.Connection c = dataSource.getConnection();
            c.setAutoCommit(true);
            if (!created) {
                io.longlink.store.Dialect.POSTGRESQL.createSchema(c,
                        "CREATE TABLE IF NOT EXISTS connection_spec (id TEXT PRIMARY KEY, spec TEXT NOT NULL, etag TEXT NOT NULL)");
                created = true;
            }
            return c;
        }
    }
}
