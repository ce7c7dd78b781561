package io.longlink.connection;

/**
 * An event of the events streams ({@code GET /events}, {@code GET /connections/{id}/events}): a state change
 * ({@link ConnectionEvent}, {@code event: state}) or a gap in an upstream's sequence ({@link GapEvent},
 * {@code event: gap}). {@code seq} grows across every event of this instance.
 */
public sealed interface StreamedEvent permits ConnectionEvent, GapEvent {

    long seq();

    String connection();

    /** The SSE {@code event:} name. */
    String eventName();
}
