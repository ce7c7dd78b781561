package io.longlink.cluster;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.agroal.api.AgroalDataSource;
import io.longlink.config.LonglinkConfig;
import io.longlink.connection.Ownership;
import io.quarkus.agroal.DataSource;
import io.quarkus.arc.InjectableInstance;

/**
 * Whether this instance runs alone or as a member of a cluster ({@code longlink.store.kind=postgresql}), and the
 * {@link Cluster} it is a member of. The {@code longlink} datasource is only looked up in cluster mode; it is
 * inactive otherwise.
 */
@Singleton
public class ClusterMode {

    private final Cluster cluster;

    ClusterMode(LonglinkConfig config, @DataSource("longlink") InjectableInstance<AgroalDataSource> dataSource,
            @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int port) {
        if (config.store().kind() != LonglinkConfig.StoreKind.POSTGRESQL) {
            cluster = null;
            return;
        }
        LonglinkConfig.Cluster c = config.cluster();
        String id = c.instanceId().filter(s -> !s.isBlank()).orElseGet(ClusterMode::hostName);
        URI url = c.advertiseUrl().orElseGet(() -> URI.create("http://" + hostAddress() + ":" + port));
        cluster = new Cluster(id, url, c.leaseTtl(), c.renewInterval(), dataSource.get());
    }

    /** The cluster; null for a single instance. */
    public Cluster cluster() {
        return cluster;
    }

    /** What the connections ask before they act: the cluster's leases, or always yes. */
    @Produces
    @Singleton
    public Ownership ownership() {
        return cluster == null ? Ownership.SINGLE : cluster;
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "longlink";
        }
    }

    private static String hostAddress() {
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }
}
