package io.longlink.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private CA made by the test with the JDK's {@code keytool}, and two certificates it signed: one for the
 * {@code wss://} upstream ({@code CN=localhost}, SAN {@code localhost}) and one for longlink as a TLS client (mTLS).
 * Files: {@code ca.pem} (the CA certificate), {@code server.p12} and {@code client.p12} (key and chain, password
 * {@link #PASSWORD}). Made once per test JVM under {@code target/test-certs}; the directory is kept in a system
 * property so every class loader finds the same files.
 */
public final class TestCertificates {

    public static final String PASSWORD = "changeit";
    private static final String DIR_KEY = "upstream-test.cert-dir";

    private TestCertificates() {
    }

    public static synchronized Path dir() {
        if (System.getProperty(DIR_KEY) == null) {
            try {
                Path root = Files.createDirectories(Path.of("target", "test-certs"));
                Path dir = Files.createTempDirectory(root, "ca-").toAbsolutePath();
                make(dir);
                System.setProperty(DIR_KEY, dir.toString());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return Path.of(System.getProperty(DIR_KEY));
    }

    public static Path caPem() {
        return dir().resolve("ca.pem");
    }

    public static Path serverP12() {
        return dir().resolve("server.p12");
    }

    public static Path clientP12() {
        return dir().resolve("client.p12");
    }

    private static void make(Path dir) {
        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-dname", "CN=longlink test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12", "-storetype", "PKCS12");
        keytool(dir, "-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-rfc", "-file", "ca.pem");
        signed(dir, "server", "CN=localhost", "san=dns:localhost");
        signed(dir, "client", "CN=longlink", null);
    }

    private static void signed(Path dir, String name, String dname, String san) {
        String store = name + ".p12";
        keytool(dir, "-genkeypair", "-alias", name, "-keyalg", "EC", "-dname", dname, "-validity", "2",
                "-keystore", store, "-storetype", "PKCS12");
        keytool(dir, "-certreq", "-alias", name, "-keystore", store, "-file", name + ".csr");
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", "ca.p12",
                "-infile", name + ".csr", "-outfile", name + ".pem", "-rfc", "-validity", "2"));
        if (san != null) {
            gencert.addAll(List.of("-ext", san));
        }
        keytool(dir, gencert.toArray(String[]::new));
        keytool(dir, "-importcert", "-alias", "ca", "-keystore", store, "-file", "ca.pem", "-noprompt");
        keytool(dir, "-importcert", "-alias", name, "-keystore", store, "-file", name + ".pem");
    }

    private static void keytool(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", PASSWORD));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
