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

    /**
     * Whether this job is written in a transaction of its own, after the jobs submitted before it committed (or
     * were refused): a claim or a release of a connection, which loads or forgets what the store keeps in memory of
     * it. A claim in the transaction of earlier jobs would load the rows without what those jobs still hold batched
     * (a sent mark), and their commit would then publish state for the connection after it was loaded or forgotten.
     */
    default boolean alone() {
        return false;
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
