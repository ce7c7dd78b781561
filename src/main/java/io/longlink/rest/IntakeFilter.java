package io.longlink.rest;

import java.util.Map;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

import io.longlink.lifecycle.IntakeGate;
import io.longlink.metrics.ConnectionMetrics;

/**
 * Guards and times the {@link Intake} endpoints. Once shutdown began ({@link IntakeGate}) a request is refused
 * with 503 {@code shutting-down} and a {@code Retry-After} before its body is read, so nothing new reaches the
 * store; requests that passed earlier finish normally. An accepted request (202) is timed from here, after
 * routing and before the body is read, to the response, per connection.
 */
@Provider
@Intake
public class IntakeFilter implements ContainerRequestFilter, ContainerResponseFilter {

    private static final String STARTED_AT = IntakeFilter.class.getName() + ".startedAt";

    private final IntakeGate gate;
    private final ConnectionMetrics metrics;

    /** Takes client proxies only: the filter is built at static init, before runtime configuration exists. */
    public IntakeFilter(IntakeGate gate, ConnectionMetrics metrics) {
        this.gate = gate;
        this.metrics = metrics;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (!gate.accepting()) {
            throw new ProblemException(503, "shutting-down", "Shutting down",
                    "this instance is shutting down and accepts no new messages; retry later",
                    Map.of("Retry-After", Long.toString(gate.retryAfter().toSeconds())));
        }
        request.setProperty(STARTED_AT, System.nanoTime());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object startedAt = request.getProperty(STARTED_AT);
        if (startedAt instanceof Long nanos && response.getStatus() == Response.Status.ACCEPTED.getStatusCode()) {
            String id = request.getUriInfo().getPathParameters().getFirst("id");
            metrics.enqueued(id, System.nanoTime() - nanos);
        }
    }
}
