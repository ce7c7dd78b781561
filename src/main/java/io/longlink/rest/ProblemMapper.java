package io.longlink.rest;

import java.time.Duration;
import java.util.Map;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.connection.UnknownConnectionException;
import io.longlink.config.LonglinkConfig;
import io.longlink.outbox.OutboxFullException;
import io.longlink.store.StoreUnavailableException;
import io.quarkus.logging.Log;

/**
 * The one place where failures become {@code application/problem+json}: a stable {@code type}, a human
 * {@code title} and a {@code detail}, never a stack trace or a class name.
 */
public class ProblemMapper {

    public static final String PROBLEM_JSON = "application/problem+json";

    private final ObjectMapper json;
    private final LonglinkConfig config;

    public ProblemMapper(ObjectMapper json, LonglinkConfig config) {
        this.json = json;
        this.config = config;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return build(e.status(), e.slug(), e.title(), e.getMessage(), uri, e.headers());
    }

    @ServerExceptionMapper
    public Response unknownConnection(UnknownConnectionException e, UriInfo uri) {
        return build(404, "unknown-connection", "Unknown connection", e.getMessage(), uri, Map.of());
    }

    @ServerExceptionMapper
    public Response outboxFull(OutboxFullException e, UriInfo uri) {
        return build(503, "outbox-full", "Outbox full", e.getMessage() + "; retry later", uri,
                Map.of("Retry-After", seconds(e.retryAfter())));
    }

    @ServerExceptionMapper
    public Response storeUnavailable(StoreUnavailableException e, UriInfo uri) {
        return build(503, "store-unavailable", "Store unavailable", e.getMessage() + "; retry later", uri,
                Map.of("Retry-After", seconds(config.store().retryAfter())));
    }

    /** A {@code Retry-After} value: whole seconds, at least 1. */
    private static String seconds(Duration wait) {
        return Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "HTTP " + status : type.getReasonPhrase();
        String slug = title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
        return build(status, slug, title, detailOf(status), uri, Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        Log.errorf(e, "unexpected failure serving %s", uri.getPath());
        return build(500, "internal-error", "Internal error", "the request failed unexpectedly; see the service log",
                uri, Map.of());
    }

    private static String detailOf(int status) {
        return switch (status) {
            case 404 -> "no such resource";
            case 405 -> "this method is not allowed on this resource";
            case 406 -> "no acceptable representation";
            case 415 -> "this media type is not supported here";
            default -> "the request could not be served";
        };
    }

    private Response build(int status, String slug, String title, String detail, UriInfo uri,
            Map<String, String> headers) {
        String body = body(json, status, slug, title, detail, uri == null ? null : uri.getPath());
        Response.ResponseBuilder response = Response.status(status).type(PROBLEM_JSON).entity(body);
        headers.forEach(response::header);
        return response.build();
    }

    /** The problem document as JSON; also used for the errors answered before any resource runs. */
    static String body(ObjectMapper json, int status, String slug, String title, String detail, String instance) {
        try {
            return json.writeValueAsString(new Problem(Problem.TYPE_BASE + slug, title, status, detail, instance));
        } catch (JsonProcessingException e) {
            return "{\"type\":\"" + Problem.TYPE_BASE + "internal-error\",\"title\":\"Internal error\",\"status\":500}";
        }
    }
}
