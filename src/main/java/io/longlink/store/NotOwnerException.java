package io.longlink.store;

/** A write was refused: this instance does not own the connection (cluster mode); another one does, or soon will. */
public final class NotOwnerException extends StoreUnavailableException {

    public NotOwnerException(String connectionId) {
        super("this instance does not own connection " + connectionId + " now");
    }
}
