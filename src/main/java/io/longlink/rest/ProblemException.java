package io.longlink.rest;

import java.util.Map;

/**
 * A request that cannot be served, with everything the problem document needs. Thrown by resources, turned
 * into {@code application/problem+json} by {@link ProblemMapper}.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final Map<String, String> headers;

    public ProblemException(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, Map.of());
    }

    public ProblemException(int status, String slug, String title, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.headers = headers;
    }

    public int status() {
        return status;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public Map<String, String> headers() {
        return headers;
    }

    static ProblemException badRequest(String slug, String title, String detail) {
        return new ProblemException(400, slug, title, detail);
    }
}
