package io.longlink.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real headless Chromium (Debian's {@code /usr/bin/chromium}) driven by Playwright ({@code playwright-core} from
 * npm) through {@code src/test/console/driver.mjs}, which this class installs into {@code target/console-driver}
 * on first use. Calls block until the browser answered; a failed step throws with Playwright's message.
 */
public final class Browser implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DRIVER = Path.of("target", "console-driver");
    private static final String CHROMIUM = System.getProperty("longlink.chromium", "/usr/bin/chromium");

    private final Process node;
    private final Writer in;
    private final BufferedReader out;
    private int nextId;

    private Browser(Process node) {
        this.node = node;
        this.in = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8);
        this.out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Installs the driver if needed and starts a browser with a window of this size. */
    public static Browser launch(int width, int height) throws Exception {
        if (!Files.isExecutable(Path.of(CHROMIUM))) {
            throw new IllegalStateException(CHROMIUM + " is missing: install Debian's chromium (.ci/run does)");
        }
        install();
        // never share the test JVM's standard streams with node: it makes inherited pipes non-blocking, and the
        // surefire fork then reads EAGAIN from its own stdin ("std/in stream corrupted") and cannot exit cleanly
        Process node = new ProcessBuilder("node", "driver.mjs").directory(DRIVER.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(DRIVER.resolve("driver.log").toFile())).start();
        Browser browser = new Browser(node);
        browser.call("launch", Map.of("executable", CHROMIUM, "width", width, "height", height));
        return browser;
    }

    private static synchronized void install() throws Exception {
        Files.createDirectories(DRIVER);
        for (String file : new String[] { "package.json", "driver.mjs" }) {
            Files.copy(Path.of("src", "test", "console", file), DRIVER.resolve(file),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.isDirectory(DRIVER.resolve("node_modules").resolve("playwright-core"))) {
            return;
        }
        Path log = DRIVER.resolve("npm-install.log");
        Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
                .directory(DRIVER.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        npm.getOutputStream().close();
        if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
            throw new IllegalStateException("npm install of playwright-core failed:\n" + Files.readString(log));
        }
    }

    /** Sends one request and returns the answer's value. */
    public synchronized JsonNode call(String op, Map<String, Object> args) throws IOException {
        Map<String, Object> request = new LinkedHashMap<>(args);
        request.put("id", ++nextId);
        request.put("op", op);
        in.write(JSON.writeValueAsString(request) + "\n");
        in.flush();
        String line = out.readLine();
        if (line == null) {
            throw new IOException("the browser driver ended");
        }
        JsonNode answer = JSON.readTree(line);
        if (!answer.get("ok").asBoolean()) {
            throw new AssertionError(op + " " + args + ": " + answer.get("error").asText());
        }
        return answer.get("value");
    }

    public void goTo(String url) throws IOException {
        call("goto", Map.of("url", url));
    }

    public void click(String role, String name) throws IOException {
        call("click", Map.of("role", role, "name", name));
    }

    public void fill(String label, String value) throws IOException {
        call("fill", Map.of("label", label, "value", value));
    }

    public void check(String label) throws IOException {
        call("check", Map.of("label", label));
    }

    /** Chooses the option {@code value} of the drop-down list labelled {@code label}. */
    public void select(String label, String value) throws IOException {
        call("select", Map.of("label", label, "value", value));
    }

    /** The value of a JavaScript expression evaluated in the page. */
    public JsonNode evaluate(String script) throws IOException {
        return call("evaluate", Map.of("script", script));
    }

    public int count(String role, String name) throws IOException {
        return call("count", Map.of("role", role, "name", name)).asInt();
    }

    public String text(String selector) throws IOException {
        return call("text", Map.of("selector", selector)).asText();
    }

    /** Waits (in the browser, up to 15 s) until an element matching {@code selector} contains {@code text}. */
    public void waitText(String selector, String text) throws IOException {
        call("waitText", Map.of("selector", selector, "text", text));
    }

    public void viewport(int width, int height) throws IOException {
        call("viewport", Map.of("width", width, "height", height));
    }

    public void screenshot(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        call("screenshot", Map.of("path", path.toAbsolutePath().toString()));
    }

    @Override
    public void close() throws Exception {
        try {
            call("close", Map.of());
        } finally {
            node.waitFor(10, TimeUnit.SECONDS);
            node.destroyForcibly();
        }
    }
}
