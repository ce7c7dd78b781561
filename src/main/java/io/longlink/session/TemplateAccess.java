package io.longlink.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.longlink.config.LonglinkConfig;
import io.longlink.security.ConnectionScope;

/**
 * Which files and environment variables the {@code {{file:...}}} and {@code {{env:...}}} placeholders of a template
 * may read: {@link #UNLIMITED} for configured connections (whoever writes the configuration controls the pod
 * already), {@link #of} {@code longlink.templates.*} for connections created over HTTP, so an API key never reads the
 * pod's secrets.
 *
 * <p>A file is judged by its real path (every symbolic link resolved), when the template is accepted and again right
 * before every read, and the read opens that real path without following a link: a link swapped in after the check
 * reads nothing. A pattern's literal leading directory is also taken by its real path (as resolved at start), so
 * {@code /var/run/secrets/**} allows files of {@code /run/secrets} where {@code /var/run} is a link. Immutable.
 */
public final class TemplateAccess {

    /** Reads anything: configured connections. */
    public static final TemplateAccess UNLIMITED = new TemplateAccess(null, null);

    static final String FILES_SETTING = "longlink.templates.allowed-files";
    static final String ENV_SETTING = "longlink.templates.allowed-env";

    /** Real paths that may be read; null: any. */
    private final ConnectionScope files;
    /** Variable names that may be read; null: any. */
    private final ConnectionScope env;

    private TemplateAccess(ConnectionScope files, ConnectionScope env) {
        this.files = files;
        this.env = env;
    }

    /** The limits of runtime connections, from {@code longlink.templates.*}. */
    public static TemplateAccess of(LonglinkConfig.Templates config) {
        return limited(config.allowedFiles().orElse(List.of()), config.allowedEnv().orElse(List.of()));
    }

    /** Only files whose real path matches {@code fileGlobs} and variables whose name matches {@code envGlobs}. */
    public static TemplateAccess limited(List<String> fileGlobs, List<String> envGlobs) {
        List<String> globs = new ArrayList<>();
        for (String glob : fileGlobs) {
            globs.add(glob.trim());
            String real = realLeadingDirectory(glob.trim());
            if (real != null) {
                globs.add(real);
            }
        }
        return new TemplateAccess(ConnectionScope.of(globs), ConnectionScope.of(envGlobs));
    }

    /** The glob with its literal leading directory replaced by that directory's real path; null when the same. */
    private static String realLeadingDirectory(String glob) {
        int wild = glob.length();
        for (char c : new char[] { '*', '?' }) {
            int at = glob.indexOf(c);
            if (at >= 0) {
                wild = Math.min(wild, at);
            }
        }
        int slash = glob.lastIndexOf('/', wild - 1);
        if (slash <= 0) {
            return null;
        }
        try {
            String real = Path.of(glob.substring(0, slash)).toRealPath().toString();
            String realGlob = real + glob.substring(slash);
            return realGlob.equals(glob) ? null : realGlob;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Why {@code {{env:name}}} may not be used, naming the setting to change; null when it may. */
    String refusedVariable(String name) {
        if (env == null || env.allows(name)) {
            return null;
        }
        return "{{env:" + name + "}} is not allowed in a connection created over HTTP: the variable does not match "
                + ENV_SETTING;
    }

    /**
     * Why {@code {{file:path}}} may not be used, naming the setting to change; null when it may. A file that does
     * not exist yet is judged by the real path of its nearest existing directory (it is checked again when read).
     */
    String refusedFile(Path path) {
        if (files == null) {
            return null;
        }
        Path real = realPathOrNearest(path);
        if (real != null && files.allows(real.toString())) {
            return null;
        }
        return "{{file:" + path + "}} is not allowed in a connection created over HTTP: its real path (links "
                + "resolved) does not match " + FILES_SETTING;
    }

    /**
     * The path to open for {@code {{file:path}}} now, and the options to open it with: the path itself when
     * unlimited, else its real path, opened without following links.
     */
    Path readable(Path path) {
        if (files == null) {
            return path;
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException | RuntimeException e) {
            throw new Template.ExpansionException("{{file:" + path + "}}: the file cannot be read ("
                    + Template.describe(e) + ")");
        }
        if (!files.allows(real.toString())) {
            throw new Template.ExpansionException("{{file:" + path + "}}: its real path (links resolved) does not "
                    + "match " + FILES_SETTING + "; nothing was read");
        }
        return real;
    }

    /** How {@link #readable} must be opened. */
    LinkOption[] openOptions() {
        return files == null ? new LinkOption[0] : new LinkOption[] { LinkOption.NOFOLLOW_LINKS };
    }

    private static Path realPathOrNearest(Path path) {
        Path absolute = path.toAbsolutePath();
        try {
            return absolute.toRealPath();
        } catch (IOException | RuntimeException e) {
            // not there (yet): the nearest existing directory by its real path, the rest as written
            Path normal = absolute.normalize();
            Path existing = normal.getParent();
            while (existing != null && !Files.isDirectory(existing)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                return normal;
            }
            try {
                return existing.toRealPath().resolve(existing.relativize(normal));
            } catch (IOException | RuntimeException again) {
                return null;
            }
        }
    }
}
