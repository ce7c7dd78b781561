package io.longlink.connection;

/**
 * A connection was created or replaced over HTTP ({@code connection} is the connection, with its new settings), or
 * removed ({@code connection} is null); fired as a CDI event so that what hangs off a connection (its webhook)
 * follows its spec. In a cluster, also when this instance takes a connection's lease (it is "created" here) or
 * loses it ("removed" here): only the owner delivers its webhook.
 */
public record ConnectionChange(String id, ManagedConnection connection) {
}
