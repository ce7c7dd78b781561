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
    private final Integer index;

    public ProblemException(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, Map.of());
    }

    public ProblemException(int status, String slug, String title, String detail, Map<String, String> headers) {
        this(status, slug, title, detail, headers, null);
    }

    /** With {@code index}: the position of the bad element in a batch. */
    public ProblemException(int status, String slug, String title, String detail, Map<String, String> headers,
            Integer index) {
        super(detail, null, false, false);
        this.index = index;
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

    public Integer index() {
        return index;
    }

    static ProblemException badRequest(String slug, String title, String detail) {
        return new ProblemException(400, slug, title, detail);
    }
}
