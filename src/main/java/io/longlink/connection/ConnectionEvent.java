package io.longlink.connection;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnore;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One state change of one connection, as {@code GET /events} streams it. {@code seq} grows across every
 * connection of this instance; {@code reason} says why, in words (never a secret).
 */
@RegisterForReflection
public record ConnectionEvent(long seq, Instant at, String connection, ConnectionState state,
        ConnectionState previous, long generation, int attempt, String reason) implements StreamedEvent {

    @Override
    @JsonIgnore
    public String eventName() {
        return "state";
    }
}
