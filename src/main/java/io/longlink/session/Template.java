package io.longlink.session;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonPointer;

/**
 * A text with placeholders, expanded afresh at every connection attempt (never cached), so a rotated token file
 * or a new resume offset reaches the next socket without a restart:
 * <ul>
 * <li>{@code {{file:/path}}}: the file's content (UTF-8), one trailing newline dropped;</li>
 * <li>{@code {{env:NAME}}}: an environment variable;</li>
 * <li>{@code {{generation}}}: the generation the socket being opened will have;</li>
 * <li>{@code {{inbound:<JSON Pointer>}}}: the value at that pointer in the newest inbound text message that has
 * it, empty when none has.</li>
 * </ul>
 * A file that cannot be read or a variable that is not set fails the expansion ({@link ExpansionException}, whose
 * message names the placeholder but never a value). What {@code file:} and {@code env:} may read is its
 * {@link TemplateAccess}, checked when the template is parsed and again at every expansion. Immutable and
 * thread-safe.
 */
public final class Template {

    /** Where the values of placeholders come from at one attempt. */
    public interface Values {
        /** The generation the socket being opened will have. */
        long generation();

        /** An environment variable, or null when it is not set. */
        String env(String name);

        /** The value at {@code pointer} in the newest inbound text message that has it, or "" when none has. */
        String inbound(String pointer);
    }

    /** A placeholder that cannot be expanded now; the attempt fails with this message. */
    public static final class ExpansionException extends RuntimeException {
        ExpansionException(String message) {
            super(message, null, false, false);
        }
    }

    private sealed interface Part {
    }

    private record Literal(String text) implements Part {
    }

    private record FileContent(Path path) implements Part {
    }

    private record Env(String name) implements Part {
    }

    private record Generation() implements Part {
    }

    private record Inbound(String pointer) implements Part {
    }

    private final List<Part> parts;
    private final TemplateAccess access;

    private Template(List<Part> parts, TemplateAccess access) {
        this.parts = parts;
        this.access = access;
    }

    /** Parses a template that may read any file and variable (a configured connection's). */
    public static Template parse(String text) {
        return parse(text, TemplateAccess.UNLIMITED);
    }

    /**
     * Parses a template whose placeholders may read only what {@code access} allows; {@link IllegalArgumentException}
     * names what is wrong (an unknown placeholder, a bad pointer, a file or variable it may not read).
     */
    public static Template parse(String text, TemplateAccess access) {
        List<Part> parts = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int open = text.indexOf("{{", at);
            if (open < 0) {
                parts.add(new Literal(text.substring(at)));
                break;
            }
            int close = text.indexOf("}}", open + 2);
            if (close < 0) {
                throw new IllegalArgumentException("'{{' at position " + open + " is not closed by '}}'");
            }
            if (open > at) {
                parts.add(new Literal(text.substring(at, open)));
            }
            parts.add(placeholder(text.substring(open + 2, close).trim(), access));
            at = close + 2;
        }
        return new Template(List.copyOf(parts), access);
    }

    private static Part placeholder(String body, TemplateAccess access) {
        if (body.equals("generation")) {
            return new Generation();
        }
        int colon = body.indexOf(':');
        String kind = colon < 0 ? body : body.substring(0, colon);
        String argument = colon < 0 ? "" : body.substring(colon + 1);
        switch (kind) {
            case "file":
                if (argument.isEmpty()) {
                    throw new IllegalArgumentException("{{file:}} needs a path, e.g. {{file:/var/run/secrets/token}}");
                }
                Path path = Path.of(argument);
                refuseIf(access.refusedFile(path));
                return new FileContent(path);
            case "env":
                if (argument.isEmpty()) {
                    throw new IllegalArgumentException("{{env:}} needs a variable name, e.g. {{env:FEED_TOKEN}}");
                }
                refuseIf(access.refusedVariable(argument));
                return new Env(argument);
            case "inbound":
                Matcher.pointer(argument);
                return new Inbound(argument);
            default:
                throw new IllegalArgumentException("unknown placeholder {{" + body
                        + "}}; known: {{file:/path}}, {{env:NAME}}, {{generation}}, {{inbound:/pointer}}");
        }
    }

    private static void refuseIf(String refusal) {
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
    }

    /** The expanded text; {@link ExpansionException} when a file cannot be read or a variable is not set. */
    public String expand(Values values) {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal l) {
                out.append(l.text());
            } else if (part instanceof FileContent f) {
                out.append(read(f.path()));
            } else if (part instanceof Env e) {
                String refusal = access.refusedVariable(e.name());
                if (refusal != null) {
                    throw new ExpansionException(refusal);
                }
                String value = values.env(e.name());
                if (value == null) {
                    throw new ExpansionException("{{env:" + e.name() + "}}: the variable is not set");
                }
                out.append(value);
            } else if (part instanceof Generation) {
                out.append(values.generation());
            } else if (part instanceof Inbound i) {
                out.append(values.inbound(i.pointer()));
            }
        }
        return out.toString();
    }

    /** The pointers of the {@code {{inbound:...}}} placeholders, so their newest values can be tracked. */
    public Set<String> inboundPointers() {
        Set<String> pointers = new LinkedHashSet<>();
        parts.stream().filter(Inbound.class::isInstance).forEach(p -> pointers.add(((Inbound) p).pointer()));
        return pointers;
    }

    private String read(Path path) {
        Path readable = access.readable(path);
        String content;
        try (InputStream in = Files.newInputStream(readable, access.openOptions())) {
            content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new ExpansionException("{{file:" + path + "}}: the file cannot be read (" + describe(e) + ")");
        }
        if (content.endsWith("\r\n")) {
            return content.substring(0, content.length() - 2);
        }
        return content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
    }

    /** A failure as words without its message (which may quote what it read): {@code no such file}. */
    static String describe(Exception e) {
        return e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                .toLowerCase();
    }

    /** The value at a JSON Pointer in a JSON text, as matchers spell it; null when absent. */
    public static String valueAt(String json, String pointer) {
        JsonPointer compiled = Matcher.pointer(pointer);
        return Matcher.valueAt(json, compiled);
    }
}
