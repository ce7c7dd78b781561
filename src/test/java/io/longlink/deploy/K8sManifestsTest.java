package io.longlink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/**
 * Validates {@code k8s/} (one pod on SQLite, the default) and {@code k8s/cluster/} (cluster mode: three pods on
 * PostgreSQL) offline, the way {@code kubectl apply -k} would read them: every resource a kustomization lists (a
 * file, or a directory with its own kustomization.yaml, such as the shared {@code k8s/common/}) is read into the
 * typed Kubernetes model (generated from the API's OpenAPI schema), with a wrong type failing the read and a
 * misspelt or unknown field failing the test; then what operating longlink needs is checked. When {@code kubectl}
 * is installed, its own rendering ({@code kubectl kustomize}) must give the same objects.
 */
class K8sManifestsTest {

    private static final Path DIR = Path.of("k8s");
    private static final Path CLUSTER = DIR.resolve("cluster");
    /** The kustomize component that swaps the native image for the JVM one. */
    private static final Path JVM = DIR.resolve("jvm");
    private static final String NATIVE_IMAGE = "longlink/longlink";
    private static final String JVM_IMAGE = "longlink/longlink-jvm";
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SHUTDOWN_DELAY = Duration.ofSeconds(5);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** {@code longlink.cluster.lease-ttl} when the manifests do not set it. */
    private static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    @Test
    void everyManifestIsAValidKubernetesObjectAndLonglinkCanRunFromThem() throws Exception {
        List<HasMetadata> objects = load(DIR);
        StatefulSet set = one(objects, StatefulSet.class);
        List<Service> services = all(objects, Service.class);

        assertEquals(1, set.getSpec().getReplicas());
        assertTrue(services.stream().anyMatch(s -> s.getMetadata().getName().equals(set.getSpec().getServiceName())
                && "None".equals(s.getSpec().getClusterIP())), "the governing headless Service exists");
        Map<String, String> selector = set.getSpec().getSelector().getMatchLabels();
        assertSelects(selector, set.getSpec().getTemplate(), services);

        PodSpec pod = set.getSpec().getTemplate().getSpec();
        Container app = pod.getContainers().get(0);
        assertRunnable(objects, pod);
        Duration stop = SHUTDOWN_DELAY.plus(SHUTDOWN_TIMEOUT).plus(CLOSE_TIMEOUT);
        assertTrue(pod.getTerminationGracePeriodSeconds() > stop.toSeconds(), "grace period outlasts the shutdown");

        String claim = set.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName();
        String storePath = env(app, "LONGLINK_STORE_PATH").getValue();
        assertTrue(storePath.startsWith(mount(app, claim).getMountPath() + "/"), "the store is on the claim");
        assertTrue(app.getEnv().stream().noneMatch(e -> e.getName().equals("LONGLINK_STORE_KIND")),
                "the default deployment keeps the default store, SQLite");
    }

    @Test
    void theClusterOverlayRunsThreeInterchangeablePodsOnPostgresql() throws Exception {
        List<HasMetadata> objects = load(CLUSTER);
        assertTrue(all(objects, StatefulSet.class).isEmpty(), "no StatefulSet (and no volume claim) in cluster mode");
        Deployment deployment = one(objects, Deployment.class);
        PodDisruptionBudget budget = one(objects, PodDisruptionBudget.class);
        List<Service> services = all(objects, Service.class);
        int replicas = deployment.getSpec().getReplicas();
        assertEquals(3, replicas);
        assertSelects(deployment.getSpec().getSelector().getMatchLabels(), deployment.getSpec().getTemplate(),
                services);

        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container app = pod.getContainers().get(0);
        assertRunnable(objects, pod);
        assertTrue(pod.getVolumes().stream().allMatch(v -> v.getPersistentVolumeClaim() == null),
                "no persistent volume: everything durable is in PostgreSQL");
        assertTrue(app.getEnv().stream().noneMatch(e -> e.getName().equals("LONGLINK_STORE_PATH")));

        // the store: PostgreSQL, the datasource entirely from a Secret
        assertEquals("postgresql", env(app, "LONGLINK_STORE_KIND").getValue());
        for (String key : List.of("JDBC_URL", "USERNAME", "PASSWORD")) {
            EnvVar variable = env(app, "QUARKUS_DATASOURCE_LONGLINK_" + key);
            assertNull(variable.getValue(), variable.getName() + " is not written in the Deployment");
            assertNotNull(secretValue(objects, variable), variable.getName() + " comes from a Secret");
        }
        assertTrue(secretValue(objects, env(app, "QUARKUS_DATASOURCE_LONGLINK_JDBC_URL"))
                .startsWith("jdbc:postgresql://"), "a PostgreSQL JDBC URL");

        // who this pod is and where the others reach it: the downward API
        assertEquals("metadata.name", fieldRef(app, "LONGLINK_CLUSTER_INSTANCE_ID"),
                "the instance id is the pod name");
        String advertise = env(app, "LONGLINK_CLUSTER_ADVERTISE_URL").getValue();
        Matcher ip = REFERENCE.matcher(advertise);
        assertTrue(ip.find() && "status.podIP".equals(fieldRef(app, ip.group(1))), "advertised at the pod IP: "
                + advertise);
        int port = app.getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst().orElseThrow()
                .getContainerPort();
        assertEquals("http://$(" + ip.group(1) + "):" + port, advertise, "the advertised URL is the HTTP port");

        // voluntary disruptions take one pod at a time, and never all
        Map<String, String> pods = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(pods.entrySet().containsAll(budget.getSpec().getSelector().getMatchLabels().entrySet()),
                "the PodDisruptionBudget covers the pods");
        if (budget.getSpec().getMaxUnavailable() != null) {
            assertEquals(1, budget.getSpec().getMaxUnavailable().getIntVal(), "maxUnavailable");
        } else {
            int minAvailable = budget.getSpec().getMinAvailable().getIntVal();
            assertTrue(minAvailable >= 2 && minAvailable < replicas, "minAvailable " + minAvailable);
        }
        assertEquals(0, deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal(),
                "a rollout starts a new pod before it stops an old one");

        // a stopping pod has time to drain, close its sockets and hand its connections over
        Duration leaseTtl = app.getEnv().stream().filter(e -> e.getName().equals("LONGLINK_CLUSTER_LEASE_TTL"))
                .findFirst().map(e -> seconds(e.getValue())).orElse(DEFAULT_LEASE_TTL);
        Duration handover = SHUTDOWN_DELAY.plus(SHUTDOWN_TIMEOUT).plus(CLOSE_TIMEOUT).plus(leaseTtl);
        assertTrue(pod.getTerminationGracePeriodSeconds() > handover.toSeconds(), "grace period "
                + pod.getTerminationGracePeriodSeconds() + " s outlasts shutdown and handover (" + handover + ")");
    }

    @Test
    void kubectlRendersTheSameObjects() throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl not installed: the typed reading above is the check");
        for (Path dir : List.of(DIR, CLUSTER)) {
            Process kubectl = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true)
                    .start();
            String rendered = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(kubectl.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize " + dir + " ended");
            assertEquals(0, kubectl.exitValue(), "kubectl kustomize " + dir + ":\n" + rendered);
            List<HasMetadata> objects = new ArrayList<>();
            try (YAMLParser parser = new YAMLFactory().createParser(rendered)) {
                for (JsonNode document : yaml.readValues(parser, JsonNode.class).readAll()) {
                    objects.add(typed(document));
                }
            }
            assertEquals(names(load(dir)), names(objects), "kubectl kustomize " + dir);
            for (HasMetadata object : objects) {
                assertEquals("longlink", object.getMetadata().getLabels().get("app.kubernetes.io/part-of"),
                        dir + ": " + object.getKind() + " " + object.getMetadata().getName() + " has the labels");
            }
        }
    }

    @Test
    void theNativeImageRunsByDefaultAndTheJvmComponentSwapsInTheJvmImageWithMoreMemory() throws Exception {
        JsonNode component = yaml.readTree(JVM.resolve("kustomization.yaml").toFile());
        assertEquals("Component", component.get("kind").asText());
        JsonNode rename = component.get("images").get(0);
        assertEquals(NATIVE_IMAGE, rename.get("name").asText());
        assertEquals(JVM_IMAGE, rename.get("newName").asText());
        String kinds = component.get("patches").get(0).get("target").get("kind").asText();
        assertTrue("StatefulSet".matches(kinds) && "Deployment".matches(kinds), "patches both workloads");
        Quantity jvmLimit = jvmMemoryLimit();

        for (Path dir : List.of(DIR, CLUSTER)) {
            JsonNode kustomization = yaml.readTree(dir.resolve("kustomization.yaml").toFile());
            assertNull(kustomization.get("components"), dir + ": the native image by default");
            Map<String, String> tags = new HashMap<>();
            kustomization.get("images").forEach(i -> tags.put(i.get("name").asText(), i.get("newTag").asText()));
            assertEquals(tags.get(NATIVE_IMAGE), tags.get(JVM_IMAGE), dir + ": both images at the same release");
            List<HasMetadata> objects = load(dir);
            Container app = (dir.equals(DIR) ? one(objects, StatefulSet.class).getSpec().getTemplate()
                    : one(objects, Deployment.class).getSpec().getTemplate()).getSpec().getContainers().get(0);
            assertEquals(NATIVE_IMAGE, app.getImage());
            Quantity nativeLimit = app.getResources().getLimits().get("memory");
            assertTrue(Quantity.getAmountInBytes(jvmLimit).compareTo(Quantity.getAmountInBytes(nativeLimit)) > 0,
                    dir + ": the JVM gets more memory than the native executable");
        }
    }

    @Test
    void kubectlAppliesTheJvmComponentToBothDeployments() throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl not installed: the typed reading above is the check");
        for (Path dir : List.of(DIR, CLUSTER)) {
            // an overlay outside k8s/, as a user would write one (kustomize refuses a base containing its overlay)
            Path overlay = Files.createDirectories(Path.of("target", "k8s-jvm", dir.getFileName().toString())
                    .toAbsolutePath());
            Files.writeString(overlay.resolve("kustomization.yaml"), "resources: ["
                    + overlay.relativize(dir.toAbsolutePath()) + "]\ncomponents: ["
                    + overlay.relativize(JVM.toAbsolutePath()) + "]\n");
            Process kubectl = new ProcessBuilder("kubectl", "kustomize", overlay.toString()).redirectErrorStream(true)
                    .start();
            String rendered = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(kubectl.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize " + overlay + " ended");
            assertEquals(0, kubectl.exitValue(), "kubectl kustomize " + overlay + ":\n" + rendered);
            String tag = yaml.readTree(dir.resolve("kustomization.yaml").toFile()).get("images").get(0).get("newTag")
                    .asText();
            try (YAMLParser parser = new YAMLFactory().createParser(rendered)) {
                for (JsonNode document : yaml.readValues(parser, JsonNode.class).readAll()) {
                    HasMetadata object = typed(document);
                    PodTemplateSpec template = object instanceof StatefulSet set ? set.getSpec().getTemplate()
                            : object instanceof Deployment deployment ? deployment.getSpec().getTemplate() : null;
                    if (template != null) {
                        Container app = template.getSpec().getContainers().get(0);
                        assertEquals(JVM_IMAGE + ":" + tag, app.getImage(), dir + " with the jvm component");
                        assertEquals(jvmMemoryLimit(), app.getResources().getLimits().get("memory"));
                    }
                }
            }
        }
    }

    /** The memory limit the jvm component's patch gives the container. */
    private Quantity jvmMemoryLimit() throws IOException {
        JsonNode patch = yaml.readTree(JVM.resolve("kustomization.yaml").toFile()).get("patches").get(0);
        JsonNode operation = yaml.readTree(patch.get("patch").asText()).get(0);
        assertEquals("/spec/template/spec/containers/0/resources", operation.get("path").asText());
        return new Quantity(operation.get("value").get("limits").get("memory").asText());
    }

    // --- what both deployments need ---

    /** Probes, resources, lock-down, configuration from the ConfigMap, secrets only from Secrets, an API key. */
    private void assertRunnable(List<HasMetadata> objects, PodSpec pod) throws IOException {
        ConfigMap config = one(objects, ConfigMap.class);
        Container app = pod.getContainers().get(0);
        assertEquals("/q/health/live", app.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/q/health/ready", app.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/q/health/started", app.getStartupProbe().getHttpGet().getPath());
        assertNotNull(app.getResources().getRequests().get("memory"));
        assertNotNull(app.getResources().getLimits().get("memory"));
        assertEquals(SHUTDOWN_TIMEOUT.toSeconds() + "s", env(app, "QUARKUS_SHUTDOWN_TIMEOUT").getValue());
        assertEquals(SHUTDOWN_DELAY.toSeconds() + "s", env(app, "QUARKUS_SHUTDOWN_DELAY").getValue());

        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertTrue(app.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, app.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), app.getSecurityContext().getCapabilities().getDrop());
        assertEquals("tmp", mount(app, "tmp").getName());
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals("tmp") && v.getEmptyDir() != null));

        // every reference to a Secret names one that is there, with that key
        for (EnvVar variable : app.getEnv()) {
            if (variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null) {
                assertNotNull(secretValue(objects, variable), variable.getName() + " refers to a Secret key that "
                        + "does not exist");
            }
        }
        // a variable used as $(NAME) is defined before it (Kubernetes expands only earlier ones)
        List<String> defined = new ArrayList<>();
        for (EnvVar variable : app.getEnv()) {
            if (variable.getValue() != null) {
                Matcher reference = REFERENCE.matcher(variable.getValue());
                while (reference.find()) {
                    assertTrue(defined.contains(reference.group(1)), variable.getName() + " uses $("
                            + reference.group(1) + ") before it is defined");
                }
            }
            defined.add(variable.getName());
        }

        String configDir = mount(app, "config").getMountPath();
        assertEquals(configDir + "/application.properties", env(app, "SMALLRYE_CONFIG_LOCATIONS").getValue());
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getConfigMap() != null
                && v.getConfigMap().getName().equals(config.getMetadata().getName())), "the ConfigMap is mounted");
        Properties properties = new Properties();
        properties.load(new StringReader(config.getData().get("application.properties")));
        assertTrue(properties.stringPropertyNames().stream().anyMatch(k -> k.matches("longlink\\.connections\\.[a-z0-9-]+\\.url")));
        properties.forEach((key, value) -> {
            if (key.toString().contains(".headers.")) {
                String variable = value.toString().replaceAll("^\\$\\{(.+)}$", "$1");
                assertTrue(value.toString().startsWith("${"), key + " comes from the environment, not the ConfigMap");
                assertNotNull(secretValue(objects, env(app, variable)), variable + " comes from a Secret");
            }
        });

        // the packaged app refuses to start without credentials: an API key whose hash comes from the Secret
        List<EnvVar> keyHashes = app.getEnv().stream()
                .filter(e -> e.getName().matches("LONGLINK_AUTH_API_KEYS_[A-Z0-9]+_SHA256")).toList();
        assertFalse(keyHashes.isEmpty(), "an API key hash is configured");
        for (EnvVar hash : keyHashes) {
            String value = secretValue(objects, hash);
            assertTrue(value != null && value.matches("[0-9a-f]{64}"), hash.getName() + " is a hex SHA-256 from a Secret");
            String name = hash.getName().replaceAll("^LONGLINK_AUTH_API_KEYS_(.+)_SHA256$", "$1").toLowerCase();
            assertTrue(properties.getProperty("longlink.auth.api-keys." + name + ".roles", "").matches(
                    "\\s*(viewer|producer|consumer|operator|admin)(\\s*,\\s*(viewer|producer|consumer|operator|admin))*\\s*"),
                    "the ConfigMap gives API key " + name + " its roles");
        }
        assertFalse(properties.containsKey("longlink.auth.enabled"), "auth keeps its prod default: on");
    }

    private static void assertSelects(Map<String, String> selector, PodTemplateSpec template, List<Service> services) {
        assertTrue(template.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()));
        assertFalse(services.isEmpty(), "a Service for the clients");
        services.forEach(s -> assertEquals(selector, s.getSpec().getSelector(), s.getMetadata().getName()));
    }

    /** The value a {@code secretKeyRef} variable gets from a Secret among the objects, or null when there is none. */
    private static String secretValue(List<HasMetadata> objects, EnvVar variable) {
        if (variable.getValueFrom() == null || variable.getValueFrom().getSecretKeyRef() == null) {
            return null;
        }
        String name = variable.getValueFrom().getSecretKeyRef().getName();
        String key = variable.getValueFrom().getSecretKeyRef().getKey();
        return all(objects, Secret.class).stream().filter(s -> s.getMetadata().getName().equals(name))
                .map(s -> s.getStringData() == null ? null : s.getStringData().get(key)).filter(v -> v != null)
                .findFirst().orElse(null);
    }

    /** The downward-API field a variable takes, directly or as {@code $(OTHER)} of a variable that does. */
    private static String fieldRef(Container container, String name) {
        EnvVar variable = env(container, name);
        if (variable.getValueFrom() != null && variable.getValueFrom().getFieldRef() != null) {
            return variable.getValueFrom().getFieldRef().getFieldPath();
        }
        Matcher reference = REFERENCE.matcher(variable.getValue() == null ? "" : variable.getValue());
        return reference.matches() ? fieldRef(container, reference.group(1)) : null;
    }

    private static Duration seconds(String value) {
        assertTrue(value.matches("\\d+s"), "a duration in seconds: " + value);
        return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
    }

    // --- reading the manifests ---

    /** The objects of a kustomization: its files, and the objects of the kustomizations it lists by directory. */
    private List<HasMetadata> load(Path dir) throws IOException {
        JsonNode kustomization = yaml.readTree(dir.resolve("kustomization.yaml").toFile());
        assertNull(kustomization.get("patches"), dir + ": no patches (this reader does not apply them)");
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode resource : kustomization.get("resources")) {
            Path path = dir.resolve(resource.asText()).normalize();
            if (Files.isDirectory(path)) {
                objects.addAll(load(path));
                continue;
            }
            assertTrue(Files.isRegularFile(path), dir + "/kustomization.yaml lists " + path);
            try (YAMLParser parser = new YAMLFactory().createParser(path.toFile())) {
                for (JsonNode document : yaml.readValues(parser, JsonNode.class).readAll()) {
                    HasMetadata object = typed(document);
                    assertNoUnknownFields(object, path + " " + document.get("kind").asText());
                    objects.add(object);
                }
            }
        }
        return objects;
    }

    private HasMetadata typed(JsonNode document) {
        Class<? extends HasMetadata> type = switch (document.get("kind").asText()) {
            case "StatefulSet" -> StatefulSet.class;
            case "Deployment" -> Deployment.class;
            case "PodDisruptionBudget" -> PodDisruptionBudget.class;
            case "Service" -> Service.class;
            case "ConfigMap" -> ConfigMap.class;
            case "Secret" -> Secret.class;
            default -> throw new AssertionError("unexpected kind " + document.get("kind"));
        };
        return yaml.convertValue(document, type);
    }

    private static Set<String> names(List<HasMetadata> objects) {
        Set<String> names = new TreeSet<>();
        objects.forEach(o -> names.add(o.getKind() + "/" + o.getMetadata().getName()));
        return names;
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
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
