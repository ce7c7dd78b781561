package io.longlink.testing;

import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;

import io.longlink.outbox.OutboxStore;

/**
 * Lets a test make whatever store is configured report that it cannot be written (a full disk, a read-only
 * volume) without replacing it: everything else goes to the real store. Off unless a test turns it on, and
 * that test must turn it off again.
 */
@Decorator
@Priority(1)
public abstract class StoreWritability implements OutboxStore {

    private static volatile boolean unwritable;

    @Inject
    @Any
    @Delegate
    OutboxStore store;

    public static void forceUnwritable(boolean on) {
        unwritable = on;
    }

    @Override
    public boolean writable() {
        return !unwritable && store.writable();
    }
}
