package io.longlink.security;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The connection ids a caller may touch: glob patterns ({@code *} any run of characters, {@code ?} one
 * character, everything else literal), e.g. {@code orders-*}. Kept on the caller's {@code SecurityIdentity} as the
 * attribute {@link #ATTRIBUTE}; a caller without one may touch nothing.
 */
public final class ConnectionScope {

    /** The {@code SecurityIdentity} attribute that holds the caller's scope. */
    public static final String ATTRIBUTE = "longlink.connections";

    /** Every connection. */
    public static final ConnectionScope ALL = of(List.of("*"));

    private final List<String> globs;
    private final Pattern pattern;

    private ConnectionScope(List<String> globs, Pattern pattern) {
        this.globs = globs;
        this.pattern = pattern;
    }

    /** The scope of these globs; blank entries are ignored, so an empty list reaches nothing. */
    public static ConnectionScope of(List<String> globs) {
        List<String> cleaned = globs.stream().map(String::trim).filter(g -> !g.isEmpty()).toList();
        String regex = cleaned.stream().map(ConnectionScope::regex).collect(Collectors.joining("|"));
        return new ConnectionScope(cleaned, cleaned.isEmpty() ? null : Pattern.compile(regex));
    }

    public boolean allows(String connectionId) {
        return pattern != null && connectionId != null && pattern.matcher(connectionId).matches();
    }

    public List<String> globs() {
        return globs;
    }

    private static String regex(String glob) {
        StringBuilder regex = new StringBuilder("(?:");
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return regex.append(')').toString();
    }

    @Override
    public String toString() {
        return String.join(",", globs);
    }
}
