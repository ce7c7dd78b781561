package io.longlink.connection;

import java.net.URI;
import java.util.regex.Pattern;

/** Renders an upstream URL for status and logs without its secrets. */
public final class UrlRedactor {

    /** Query parameter names whose values are treated as secrets. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(token|key|secret|pass|pwd|auth|sig|signature|credential|session|code).*");
    private static final String HIDDEN = "***";

    private UrlRedactor() {
    }

    public static String redact(URI url) {
        StringBuilder out = new StringBuilder().append(url.getScheme()).append("://");
        if (url.getRawUserInfo() != null) {
            out.append(HIDDEN).append('@');
        }
        out.append(url.getHost());
        if (url.getPort() >= 0) {
            out.append(':').append(url.getPort());
        }
        if (url.getRawPath() != null) {
            out.append(url.getRawPath());
        }
        if (url.getRawQuery() != null) {
            out.append('?');
            String[] pairs = url.getRawQuery().split("&");
            for (int i = 0; i < pairs.length; i++) {
                if (i > 0) {
                    out.append('&');
                }
                int eq = pairs[i].indexOf('=');
                if (eq > 0 && SECRET_NAME.matcher(pairs[i].substring(0, eq)).matches()) {
                    out.append(pairs[i], 0, eq + 1).append(HIDDEN);
                } else {
                    out.append(pairs[i]);
                }
            }
        }
        return out.toString();
    }
}
