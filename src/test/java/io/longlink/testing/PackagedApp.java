package io.longlink.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}, built by {@code package}) run as a child
 * process, so a test can kill it with SIGKILL and start it again on the same store. Its output goes to a log file
 * under {@code target/}.
 */
public final class PackagedApp implements AutoCloseable {

    /** How long the packaged app may take to answer HTTP after its start. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final int port;

    private PackagedApp(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the app with these configuration properties on a free port and waits until it answers. */
    public static PackagedApp start(Map<String, String> config, Path log) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run ./mvnw package first");
        }
        int port = UpstreamResource.freePort();
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Dquarkus.http.port=" + port);
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(JAR.toString());
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            PackagedApp app = new PackagedApp(process, port);
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(START_TIMEOUT).ignoreExceptions().until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the app exited with " + process.exitValue() + "; see " + log);
                }
                return http.send(HttpRequest.newBuilder(app.uri("/connections")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
            return app;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
    }
}
