package io.longlink.connection;

/** What the operator last asked for. */
public enum DesiredState {
    OPEN,
    CLOSED
}
