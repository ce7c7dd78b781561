package io.longlink.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Reads one connection's settings from its keys relative to {@code longlink.connections.<id>.} (e.g.
 * {@code reconnect.max-attempts}) with the very mapping, converters and defaults the application configuration
 * uses, so a connection created over HTTP accepts and refuses exactly what a configured one does. Every problem is
 * reported against its key.
 */
public final class ConnectionSettings {

    /** One setting that cannot be used: its key (relative to the connection) and why. */
    public record Problem(String key, String detail) {
    }

    /** The settings cannot be used; {@link #problems()} names each bad key. */
    public static final class InvalidSettingsException extends IllegalArgumentException {
        private final List<Problem> problems;

        public InvalidSettingsException(List<Problem> problems) {
            super(problems.stream().map(p -> p.key() + ": " + p.detail()).reduce((a, b) -> a + "; " + b).orElse(""));
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }
    }

    private static final Pattern SRCFG_CODE = Pattern.compile("^SRCFG\\d+: ");

    private ConnectionSettings() {
    }

    /** The settings of connection {@code id} from {@code keys}; {@link InvalidSettingsException} when unusable. */
    public static LonglinkConfig.ConnectionConfig read(String id, Map<String, String> keys) {
        String prefix = "longlink.connections." + id + ".";
        Map<String, String> properties = new HashMap<>();
        keys.forEach((key, value) -> properties.put(prefix + key, value));
        SmallRyeConfig config;
        try {
            config = new SmallRyeConfigBuilder()
                    .withMapping(LonglinkConfig.class)
                    .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                    .withConverter(Duration.class, 100, new DurationConverter())
                    .withSources(new PropertiesConfigSource(properties, "connection " + id, 100))
                    .build();
        } catch (ConfigValidationException e) {
            List<Problem> problems = new ArrayList<>();
            for (int i = 0; i < e.getProblemCount(); i++) {
                problems.add(problem(prefix, e.getProblem(i).getMessage()));
            }
            throw new InvalidSettingsException(problems);
        } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
            throw new InvalidSettingsException(List.of(problem(prefix, String.valueOf(e.getMessage()))));
        }
        LonglinkConfig.ConnectionConfig connection = config.getConfigMapping(LonglinkConfig.class).connections().get(id);
        if (connection == null) {
            throw new InvalidSettingsException(List.of(new Problem("url", "required")));
        }
        return connection;
    }

    /** A SmallRye Config message turned into a problem of the key it names, without the library's codes. */
    private static Problem problem(String prefix, String message) {
        String text = SRCFG_CODE.matcher(message).replaceFirst("");
        Matcher key = Pattern.compile(Pattern.quote(prefix) + "([A-Za-z0-9\\-\\[\\]._]*[A-Za-z0-9\\]])").matcher(text);
        String name = key.find() ? key.group(1) : "";
        String detail = text.replace(prefix, "");
        if (detail.contains("does not map to any root")) {
            detail = "unknown setting";
        } else if (detail.contains("threw an Exception whilst being converted")) {
            detail = "not a valid value of this setting";
        } else if (detail.contains("required but it could not be found")) {
            detail = "required";
        }
        return new Problem(name, detail);
    }
}
