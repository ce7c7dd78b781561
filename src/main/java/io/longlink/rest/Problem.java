package io.longlink.rest;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** An RFC 9457 problem document, the body of every error this service answers. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors,
        Integer index) {

    /** One bad field of a request body: where (a JSON Pointer into the body) and why. */
    @RegisterForReflection
    public record FieldError(String pointer, String detail) {
    }

    public Problem(String type, String title, int status, String detail, String instance) {
        this(type, title, status, detail, instance, null, null);
    }

    /** Where problem type URIs live; each type is this plus a short slug. */
    public static final String TYPE_BASE = "https://longlink.dev/problems/";

    /** No credentials, or credentials that do not verify; says how to authenticate, never what was sent. */
    public static Problem unauthorized(String instance) {
        return new Problem(TYPE_BASE + "unauthorized", "Unauthorized", 401,
                "send a valid API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>', or a valid bearer JWT",
                instance);
    }

    /** A known caller whose roles or connection patterns do not allow the request. */
    public static Problem forbidden(String detail, String instance) {
        return new Problem(TYPE_BASE + "forbidden", "Forbidden", 403, detail, instance);
    }
}
