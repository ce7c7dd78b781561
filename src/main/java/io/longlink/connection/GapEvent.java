package io.longlink.connection;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnore;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A gap in an upstream's sequence ({@code inbound.sequence.pointer}), as {@code GET /events} streams it
 * ({@code event: gap}): in {@code scope} (null without {@code inbound.sequence.scope}) sequence {@code got} came
 * where {@code expected} was due.
 */
@RegisterForReflection
public record GapEvent(long seq, Instant at, String connection, String scope, long expected, long got)
        implements StreamedEvent {

    @Override
    @JsonIgnore
    public String eventName() {
        return "gap";
    }
}
