package io.longlink.store;

import java.sql.SQLException;

/**
 * One unit of work for the {@link StoreWriter}: it writes itself into the transaction being built, and hears
 * whether that transaction committed. Every method runs on the writer thread and must not block.
 */
public interface StoreJob {

    /**
     * The connection whose owner alone may write this job (cluster mode: the writer refuses it on an instance that
     * does not hold its lease), or null for a job that belongs to no connection.
     */
    default String connectionId() {
        return null;
    }

    /** Writes this job inside the open transaction; statements may be batched and flushed by a part. */
    void write(Transaction tx) throws SQLException;

    /** The transaction holding this job committed. */
    void committed();

    /**
     * The transaction holding this job was rolled back, or the file is not open.
     *
     * @return true to keep the job and write it again, before newer jobs, in the next transaction
     */
    boolean rolledBack(RuntimeException cause);

    /** A job that needs no answer and must not be lost: kept and written again when its transaction fails. */
    interface Kept extends StoreJob {
        @Override
        default void committed() {
        }

        @Override
        default boolean rolledBack(RuntimeException cause) {
            return true;
        }
    }
}
