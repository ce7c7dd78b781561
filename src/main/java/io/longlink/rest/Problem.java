package io.longlink.rest;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** An RFC 9457 problem document, the body of every error this service answers. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance) {

    /** Where problem type URIs live; each type is this plus a short slug. */
    static final String TYPE_BASE = "https://longlink.dev/problems/";
}
