package io.longlink.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Linux network namespace that a test creates, wires to the test's own (root) namespace with veth pairs, and
 * deletes again: the real way to make "the network went away" happen. Needs root and iproute2's {@code ip};
 * {@link #available()} says whether both are there, so a test can skip otherwise.
 *
 * <p>Only the namespace, the veth pairs and the addresses given to {@link #veth} are created; nothing else on
 * the host is touched. {@link #close()} deletes the namespace (which takes the veth ends inside it and so the
 * pairs with them) and is safe to call twice or on a half-built namespace. {@link #NetworkNamespace(String)}
 * first removes leftovers of an earlier run that died before cleaning up.
 */
public final class NetworkNamespace implements AutoCloseable {

    private static final long COMMAND_TIMEOUT_SECONDS = 20;

    private final String name;
    private final List<String> hostDevices = new ArrayList<>();

    /** Creates the namespace {@code name} (removing a leftover of that name first) with loopback up. */
    public NetworkNamespace(String name) {
        this.name = name;
        quietly("ip", "netns", "delete", name);
        run("ip", "netns", "add", name);
        run("ip", "-n", name, "link", "set", "lo", "up");
    }

    /** Root and {@code ip} are both there. */
    public static boolean available() {
        try {
            return "0".equals(output("id", "-u").trim()) && output("ip", "-V").contains("ip");
        } catch (RuntimeException e) {
            return false;
        }
    }

    public String name() {
        return name;
    }

    /**
     * Adds a veth pair: {@code hostDevice} with {@code hostCidr} in the root namespace, {@code nsDevice} with
     * {@code nsCidr} in this one, both up. Leftover devices of the same names are removed first.
     */
    public NetworkNamespace veth(String hostDevice, String hostCidr, String nsDevice, String nsCidr) {
        quietly("ip", "link", "delete", hostDevice);
        run("ip", "link", "add", hostDevice, "type", "veth", "peer", "name", nsDevice, "netns", name);
        hostDevices.add(hostDevice);
        run("ip", "addr", "add", hostCidr, "dev", hostDevice);
        run("ip", "link", "set", hostDevice, "up");
        run("ip", "-n", name, "addr", "add", nsCidr, "dev", nsDevice);
        run("ip", "-n", name, "link", "set", nsDevice, "up");
        return this;
    }

    /** Sets a device inside this namespace down: its link, and every route through it, are gone. */
    public void unplug(String nsDevice) {
        run("ip", "-n", name, "link", "set", nsDevice, "down");
    }

    /** Sets a device inside this namespace up again; its address and connected route come back. */
    public void plug(String nsDevice) {
        run("ip", "-n", name, "link", "set", nsDevice, "up");
    }

    /** Runs {@code ip -n <name> <args>}, e.g. to add a route inside the namespace. */
    public void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        run(command.toArray(String[]::new));
    }

    /** A process builder that runs {@code command} inside this namespace. */
    public ProcessBuilder exec(List<String> command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(command);
        return new ProcessBuilder(full);
    }

    @Override
    public void close() {
        hostDevices.forEach(device -> quietly("ip", "link", "delete", device));
        quietly("ip", "netns", "delete", name);
    }

    /** Runs a command and fails with its output unless it exits 0. */
    public static void run(String... command) {
        Result result = execute(command);
        if (result.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode + ": "
                    + result.output);
        }
    }

    private static String output(String... command) {
        Result result = execute(command);
        if (result.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode);
        }
        return result.output;
    }

    private static void quietly(String... command) {
        execute(command);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result execute(String... command) {
        try {
            Path log = Files.createTempFile("netns", ".log");
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
                if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return new Result(-1, "timed out");
                }
                return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, e.toString());
        }
    }
}
