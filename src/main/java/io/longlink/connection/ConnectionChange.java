package io.longlink.connection;

/**
 * A connection was created or replaced over HTTP ({@code connection} is the connection, with its new settings), or
 * removed ({@code connection} is null); fired as a CDI event so that what hangs off a connection (its webhook)
 * follows its spec.
 */
public record ConnectionChange(String id, ManagedConnection connection) {
}
