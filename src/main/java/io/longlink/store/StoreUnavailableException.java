package io.longlink.store;

/** The store cannot be written or read now (not open, disk full, read-only, shutting down). */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String detail) {
        super(detail, null, false, false);
    }
}
