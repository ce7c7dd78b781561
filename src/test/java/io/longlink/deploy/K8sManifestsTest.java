package io.longlink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/**
 * Validates {@code k8s/} offline, the way {@code kubectl apply -k k8s/} would read it: every resource listed in
 * kustomization.yaml is read into the typed Kubernetes model (generated from the API's OpenAPI schema), with a
 * wrong type failing the read and a misspelt or unknown field failing the test; then what operating longlink
 * needs is checked: one replica, the store on a claim, probes on the health endpoints, a grace period longer
 * than the shutdown, a locked-down security context with writable store and /tmp, secrets only from a Secret.
 */
class K8sManifestsTest {

    private static final Path DIR = Path.of("k8s");
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SHUTDOWN_DELAY = Duration.ofSeconds(5);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    @Test
    void everyManifestIsAValidKubernetesObjectAndLonglinkCanRunFromThem() throws Exception {
        List<HasMetadata> objects = load();
        StatefulSet set = one(objects, StatefulSet.class);
        ConfigMap config = one(objects, ConfigMap.class);
        Secret secret = one(objects, Secret.class);
        List<Service> services = all(objects, Service.class);

        assertEquals(1, set.getSpec().getReplicas());
        assertTrue(services.stream().anyMatch(s -> s.getMetadata().getName().equals(set.getSpec().getServiceName())
                && "None".equals(s.getSpec().getClusterIP())), "the governing headless Service exists");
        Map<String, String> selector = set.getSpec().getSelector().getMatchLabels();
        assertTrue(set.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selector.entrySet()));
        services.forEach(s -> assertEquals(selector, s.getSpec().getSelector(), s.getMetadata().getName()));

        PodSpec pod = set.getSpec().getTemplate().getSpec();
        Container app = pod.getContainers().get(0);
        assertEquals("/q/health/live", app.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/q/health/ready", app.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/q/health/started", app.getStartupProbe().getHttpGet().getPath());
        assertNotNull(app.getResources().getRequests().get("memory"));
        assertNotNull(app.getResources().getLimits().get("memory"));

        Duration stop = SHUTDOWN_DELAY.plus(SHUTDOWN_TIMEOUT).plus(CLOSE_TIMEOUT);
        assertTrue(pod.getTerminationGracePeriodSeconds() > stop.toSeconds(), "grace period outlasts the shutdown");
        assertEquals(SHUTDOWN_TIMEOUT.toSeconds() + "s", env(app, "QUARKUS_SHUTDOWN_TIMEOUT").getValue());
        assertEquals(SHUTDOWN_DELAY.toSeconds() + "s", env(app, "QUARKUS_SHUTDOWN_DELAY").getValue());

        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertTrue(app.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, app.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), app.getSecurityContext().getCapabilities().getDrop());
        String claim = set.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName();
        String storePath = env(app, "LONGLINK_STORE_PATH").getValue();
        assertTrue(storePath.startsWith(mount(app, claim).getMountPath() + "/"), "the store is on the claim");
        assertEquals("tmp", mount(app, "tmp").getName());
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals("tmp") && v.getEmptyDir() != null));

        String configDir = mount(app, "config").getMountPath();
        assertEquals(configDir + "/application.properties", env(app, "SMALLRYE_CONFIG_LOCATIONS").getValue());
        Properties properties = new Properties();
        properties.load(new StringReader(config.getData().get("application.properties")));
        assertTrue(properties.stringPropertyNames().stream().anyMatch(k -> k.matches("longlink\\.connections\\.[a-z0-9-]+\\.url")));
        properties.forEach((key, value) -> {
            if (key.toString().contains(".headers.")) {
                String variable = value.toString().replaceAll("^\\$\\{(.+)}$", "$1");
                assertTrue(value.toString().startsWith("${"), key + " comes from the environment, not the ConfigMap");
                EnvVar fromSecret = env(app, variable);
                assertEquals(secret.getMetadata().getName(), fromSecret.getValueFrom().getSecretKeyRef().getName());
                assertTrue(secret.getStringData().containsKey(fromSecret.getValueFrom().getSecretKeyRef().getKey()));
            }
        });

        // the packaged app refuses to start without credentials: an API key whose hash comes from the Secret
        List<EnvVar> keyHashes = app.getEnv().stream()
                .filter(e -> e.getName().matches("LONGLINK_AUTH_API_KEYS_[A-Z0-9]+_SHA256")).toList();
        assertFalse(keyHashes.isEmpty(), "an API key hash is configured");
        for (EnvVar hash : keyHashes) {
            assertEquals(secret.getMetadata().getName(), hash.getValueFrom().getSecretKeyRef().getName(),
                    hash.getName() + " comes from the Secret");
            String value = secret.getStringData().get(hash.getValueFrom().getSecretKeyRef().getKey());
            assertTrue(value != null && value.matches("[0-9a-f]{64}"), hash.getName() + " is a hex SHA-256");
            String name = hash.getName().replaceAll("^LONGLINK_AUTH_API_KEYS_(.+)_SHA256$", "$1").toLowerCase();
            assertTrue(properties.getProperty("longlink.auth.api-keys." + name + ".roles", "").matches(
                    "\\s*(viewer|producer|consumer|operator|admin)(\\s*,\\s*(viewer|producer|consumer|operator|admin))*\\s*"),
                    "the ConfigMap gives API key " + name + " its roles");
        }
        assertFalse(properties.containsKey("longlink.auth.enabled"), "auth keeps its prod default: on");
    }

    private List<HasMetadata> load() throws IOException {
        JsonNode kustomization = yaml.readTree(DIR.resolve("kustomization.yaml").toFile());
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode resource : kustomization.get("resources")) {
            Path file = DIR.resolve(resource.asText());
            assertTrue(Files.isRegularFile(file), "kustomization lists " + file);
            try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
                for (JsonNode document : yaml.readValues(parser, JsonNode.class).readAll()) {
                    HasMetadata object = typed(document);
                    assertNoUnknownFields(object, file + " " + document.get("kind").asText());
                    objects.add(object);
                }
            }
        }
        return objects;
    }

    private HasMetadata typed(JsonNode document) {
        Class<? extends HasMetadata> type = switch (document.get("kind").asText()) {
            case "StatefulSet" -> StatefulSet.class;
            case "Service" -> Service.class;
            case "ConfigMap" -> ConfigMap.class;
            case "Secret" -> Secret.class;
            default -> throw new AssertionError("unexpected kind " + document.get("kind"));
        };
        return yaml.convertValue(document, type);
    }

    /** The model keeps fields it does not know in additionalProperties: there must be none, at any depth. */
    private static void assertNoUnknownFields(Object node, String where) {
        if (node == null || node instanceof String || node instanceof Number || node instanceof Boolean
                || node.getClass().isEnum()) {
            return;
        }
        if (node instanceof Collection<?> items) {
            items.forEach(item -> assertNoUnknownFields(item, where));
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.values().forEach(value -> assertNoUnknownFields(value, where));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                assertTrue(((Map<?, ?>) value).isEmpty(), where + ": unknown fields " + value + " in "
                        + node.getClass().getSimpleName());
            } else {
                assertNoUnknownFields(value, where);
            }
        }
    }

    private static <T> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found = all(objects, type);
        assertEquals(1, found.size(), "one " + type.getSimpleName());
        return found.get(0);
    }

    private static <T> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    private static VolumeMount mount(Container container, String volume) {
        return container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError("no mount of volume " + volume));
    }
}
