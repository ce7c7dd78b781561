package io.longlink.rest;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.config.ConnectionSpec;
import io.longlink.connection.ConnectionChangeRefusedException;
import io.longlink.connection.InvalidRequestException;
import io.longlink.connection.RequestFailedException;
import io.longlink.connection.UnknownConnectionException;
import io.longlink.config.LonglinkConfig;
import io.longlink.outbox.OutboxFullException;
import io.longlink.store.NotOwnerException;
import io.longlink.store.StoreUnavailableException;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * The one place where failures become {@code application/problem+json}: a stable {@code type}, a human
 * {@code title} and a {@code detail}, never a stack trace or a class name.
 */
@jakarta.inject.Singleton
public class ProblemMapper {

    public static final String PROBLEM_JSON = "application/problem+json";
    private static final String ROLES_FORBID = "this caller's roles do not allow this request";

    private final ObjectMapper json;
    private final LonglinkConfig config;

    public ProblemMapper(ObjectMapper json, LonglinkConfig config) {
        this.json = json;
        this.config = config;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return problem(e, path(uri));
    }

    private Response problem(ProblemException e, String instance) {
        return write(new Problem(Problem.TYPE_BASE + e.slug(), e.title(), e.status(), e.getMessage(), instance, null,
                e.index()), e.headers());
    }

    @ServerExceptionMapper
    public Response unknownConnection(UnknownConnectionException e, UriInfo uri) {
        return unknownConnection(e, path(uri));
    }

    private Response unknownConnection(UnknownConnectionException e, String instance) {
        return build(404, "unknown-connection", "Unknown connection", e.getMessage(), instance, Map.of());
    }

    @ServerExceptionMapper
    public Response changeRefused(ConnectionChangeRefusedException e, UriInfo uri) {
        ConnectionChangeRefusedException.Reason r = e.reason();
        List<Problem.FieldError> errors = e.problems().isEmpty() ? null
                : e.problems().stream().map(p -> new Problem.FieldError(ConnectionSpec.pointer(p.key()), p.detail()))
                        .toList();
        return write(new Problem(Problem.TYPE_BASE + r.slug, r.title, r.status, e.getMessage(), path(uri), errors,
                null), Map.of());
    }

    @ServerExceptionMapper
    public Response outboxFull(OutboxFullException e, UriInfo uri) {
        return outboxFull(e, path(uri));
    }

    private Response outboxFull(OutboxFullException e, String instance) {
        return build(503, "outbox-full", "Outbox full", e.getMessage() + "; retry later", instance,
                Map.of("Retry-After", seconds(e.retryAfter())));
    }

    /**
     * A request without its reply: 504 {@code reply-timeout} and 502 {@code socket-lost} (written, outcome unknown),
     * 503 {@code not-sent} (withdrawn), 503 {@code too-many-requests}, 409 {@code duplicate-request-id}; with the
     * request's id in {@code Longlink-Request-Id} when it had one.
     */
    @ServerExceptionMapper
    public Response requestFailed(RequestFailedException e, UriInfo uri) {
        return requestFailed(e, path(uri));
    }

    private Response requestFailed(RequestFailedException e, String instance) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        if (e.requestId() != null) {
            headers.put(RequestResource.REQUEST_ID, e.requestId());
        }
        int status;
        String title;
        switch (e.outcome()) {
            case REPLY_TIMEOUT -> {
                status = 504;
                title = "Reply timeout";
            }
            case SOCKET_LOST -> {
                status = 502;
                title = "Socket lost";
            }
            case NOT_SENT -> {
                status = 503;
                title = "Not sent";
            }
            case TOO_MANY_REQUESTS -> {
                status = 503;
                title = "Too many requests";
                headers.put("Retry-After", "1");
            }
            case DUPLICATE_REQUEST_ID -> {
                status = 409;
                title = "Duplicate request id";
            }
            default -> {
                status = 500;
                title = "Internal error";
            }
        }
        return build(status, e.outcome().tag(), title, e.getMessage(), instance, headers);
    }

    @ServerExceptionMapper
    public Response invalidRequest(InvalidRequestException e, UriInfo uri) {
        return invalidRequest(e, path(uri));
    }

    private Response invalidRequest(InvalidRequestException e, String instance) {
        return build(400, "invalid-request", "Invalid request", e.getMessage(), instance, Map.of());
    }

    /** Cluster mode: the write reached an instance that no longer owns the connection; the owner takes it. */
    @ServerExceptionMapper
    public Response notOwner(NotOwnerException e, UriInfo uri) {
        return notOwner(e, path(uri));
    }

    private Response notOwner(NotOwnerException e, String instance) {
        return build(503, "no-owner", "No owner", e.getMessage() + "; retry in a moment", instance,
                Map.of("Retry-After", seconds(config.cluster().retryAfter())));
    }

    @ServerExceptionMapper
    public Response storeUnavailable(StoreUnavailableException e, UriInfo uri) {
        return storeUnavailable(e, path(uri));
    }

    private Response storeUnavailable(StoreUnavailableException e, String instance) {
        return build(503, "store-unavailable", "Store unavailable", e.getMessage() + "; retry later", instance,
                Map.of("Retry-After", seconds(config.store().retryAfter())));
    }

    /**
     * The answer to a failure of a request served outside Quarkus REST ({@link EnqueueRoute}): what the mappers
     * here would answer, with {@code instance} as the problem's {@code instance}.
     */
    Response toResponse(Throwable e, String instance) {
        e = unwrapped(e);
        Response mapped = mapped(e, instance);
        return mapped != null ? mapped : unexpected(e, instance);
    }

    /** The status {@link #toResponse} answers {@code e} with; an unexpected failure is not logged here. */
    int statusOf(Throwable e) {
        Response mapped = mapped(unwrapped(e), null);
        return mapped != null ? mapped.getStatus() : 500;
    }

    /** The failure a stage's {@code CompletionException} carries, else {@code e}. */
    static Throwable unwrapped(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** The answer to one of the failures mapped here, null for an unexpected one. */
    private Response mapped(Throwable e, String instance) {
        if (e instanceof ProblemException p) {
            return problem(p, instance);
        } else if (e instanceof UnknownConnectionException u) {
            return unknownConnection(u, instance);
        } else if (e instanceof OutboxFullException o) {
            return outboxFull(o, instance);
        } else if (e instanceof NotOwnerException n) {
            return notOwner(n, instance);
        } else if (e instanceof StoreUnavailableException u) {
            return storeUnavailable(u, instance);
        } else if (e instanceof RequestFailedException r) {
            return requestFailed(r, instance);
        } else if (e instanceof InvalidRequestException r) {
            return invalidRequest(r, instance);
        } else if (e instanceof WebApplicationException w) {
            return webApplication(w, instance);
        }
        return null;
    }

    /** 401 for a request without credentials, outside Quarkus REST. */
    Response unauthorized(String instance) {
        return write(Problem.unauthorized(instance), Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer"));
    }

    /** 403 for a caller whose roles do not allow the request, outside Quarkus REST. */
    Response forbidden(String instance) {
        return write(Problem.forbidden(ROLES_FORBID, instance), Map.of());
    }

    /** A {@code Retry-After} value: whole seconds, at least 1. */
    private static String seconds(Duration wait) {
        return Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000));
    }

    /** Anonymous at a secured endpoint ({@code @RolesAllowed}); replaces Quarkus' empty-bodied 401. */
    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return unauthorized(uri);
    }

    /** Credentials that did not verify, when Quarkus hands the failure to the REST layer. */
    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e, UriInfo uri) {
        return unauthorized(uri);
    }

    /** A known caller without the role the endpoint needs; connection patterns answer through ProblemException. */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return forbidden(path(uri));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        return webApplication(e, path(uri));
    }

    private Response webApplication(WebApplicationException e, String instance) {
        int status = e.getResponse().getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "HTTP " + status : type.getReasonPhrase();
        String slug = title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
        return build(status, slug, title, detailOf(status), instance, Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        return unexpected(e, path(uri));
    }

    private Response unexpected(Throwable e, String instance) {
        Log.errorf(e, "unexpected failure serving %s", instance);
        return build(500, "internal-error", "Internal error", "the request failed unexpectedly; see the service log",
                instance, Map.of());
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

    private Response unauthorized(UriInfo uri) {
        return unauthorized(path(uri));
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getPath();
    }

    private Response build(int status, String slug, String title, String detail, String instance,
            Map<String, String> headers) {
        return write(new Problem(Problem.TYPE_BASE + slug, title, status, detail, instance), headers);
    }

    private Response write(Problem problem, Map<String, String> headers) {
        Response.ResponseBuilder response = Response.status(problem.status()).type(PROBLEM_JSON)
                .entity(body(json, problem));
        headers.forEach(response::header);
        return response.build();
    }

    /** The problem document as JSON; also used for the errors answered before any resource runs. */
    static String body(ObjectMapper json, int status, String slug, String title, String detail, String instance) {
        return body(json, new Problem(Problem.TYPE_BASE + slug, title, status, detail, instance));
    }

    /** A problem document as JSON; every error body is written here. */
    static String body(ObjectMapper json, Problem problem) {
        try {
            return json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            return "{\"type\":\"" + Problem.TYPE_BASE + "internal-error\",\"title\":\"Internal error\",\"status\":500}";
        }
    }
}
