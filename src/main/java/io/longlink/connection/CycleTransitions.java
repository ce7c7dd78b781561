package io.longlink.connection;

import io.quarkus.logging.Log;

/**
 * The phase changes that the {@link ReconnectCycle} and the {@link ReachabilityProbe} of one
 * {@link ManagedConnection} ask for: CONNECTING ⇄ RECONNECTING, CONNECTING → OPEN, FAILED or OFFLINE, and
 * OFFLINE → CONNECTING (see the diagram there).
 *
 * <p>It has no state of its own: it reads and moves its connection's phase under the connection's lock, and each
 * transition first checks that the cycle, the attempt or the probe asking is the one the phase belongs to, so a late
 * callback of an older one changes nothing.
 */
final class CycleTransitions implements ReconnectCycle.Supervisor<Session>, ReachabilityProbe.Listener {

    private final ManagedConnection connection;
    private final String id;

    CycleTransitions(ManagedConnection connection) {
        this.connection = connection;
        this.id = connection.id();
    }

    @Override
    public long delayBefore(long number) {
        synchronized (connection) {
            if (!isCurrentLocked(number)) {
                return -1;
            }
            return connection.phase instanceof Phase.Reconnecting r ? r.delayMillis() : 0;
        }
    }

    /** CONNECTING → RECONNECTING: the delay before the next attempt, as the cycle chose it. */
    @Override
    public void backoffStarted(long number, long delayMillis) {
        synchronized (connection) {
            if (isCurrentLocked(number)) {
                connection.moveLocked(new Phase.Reconnecting(number,
                        connection.env.clock().instant().plusMillis(delayMillis), delayMillis), "attempt "
                                + connection.cycles.attemptLocked() + " failed (" + connection.history.lastError()
                                + "); next attempt in " + delayMillis + " ms");
            }
        }
    }

    /** RECONNECTING → CONNECTING (or the first attempt, already CONNECTING): the attempt's session. */
    @Override
    public Session attemptStarting(long number) {
        synchronized (connection) {
            if (!isCurrentLocked(number)) {
                return null;
            }
            if (connection.phase instanceof Phase.Connecting c && !c.session().started()) {
                if (c.slotAt() != null) {
                    connection.moveLocked(new Phase.Connecting(number, c.session()), "its handshake slot came");
                }
                return c.session();
            }
            Session session = connection.newSessionLocked();
            connection.moveLocked(new Phase.Connecting(number, session),
                    "attempt " + (connection.cycles.attemptLocked() + 1));
            return session;
        }
    }

    /**
     * The next attempt waits for a handshake slot ({@code connect-rates}): RECONNECTING with {@code nextAttemptAt}
     * the slot's expected time, or CONNECTING with it when the connection never had a socket yet (its first open).
     */
    @Override
    public void slotAwaited(long number, long waitMillis, ConnectRates.Gate gate) {
        synchronized (connection) {
            Phase waiting = !isCurrentLocked(number) ? null
                    : SocketPacing.awaitingSlot(connection.phase, number,
                            connection.env.clock().instant().plusMillis(waitMillis),
                            connection.history.generation() > 0);
            if (waiting != null) {
                connection.moveLocked(waiting, "waiting for a handshake slot (" + gate + ")");
            }
        }
    }

    /** CONNECTING → OPEN: the session is ready. */
    @Override
    public boolean attemptSucceeded(long number, Session session) {
        long gen;
        synchronized (connection) {
            if (!isAttemptLocked(number, session)) {
                return false;
            }
            connection.cycles.openedLocked();
            gen = connection.history.opened(connection.env.clock().instant());
            connection.moveLocked(new Phase.Open(session, connection.env.timers().nanoTime()),
                    "open (generation " + gen + ")");
        }
        Log.infof("[%s] open (generation %d)", id, gen);
        return true;
    }

    /** OPEN: the session's heartbeat and flush loop start. */
    @Override
    public void attemptActive(Session session) {
        if (!session.activate()) {
            connection.sessionLost(session, session.ending());
        }
    }

    /** CONNECTING: the attempt failed; the cycle counted it (unless the network is gone) and decided. */
    @Override
    public RejectionPolicy.Decision attemptFailed(long number, Session session, ReconnectCycle.Failure failure) {
        RejectionPolicy.Decision decision;
        int failedAttempts;
        synchronized (connection) {
            if (!isAttemptLocked(number, session)) {
                return null;
            }
            decision = connection.cycles.failedLocked(failure);
            connection.history.failed(decision.error() != null ? decision.error() : failure.description());
            connection.history.ended(failure.ending());
            failedAttempts = connection.cycles.attemptLocked();
        }
        if (failure.offline()) {
            Log.debugf("[%s] attempt found the network gone: %s", id, failure.description());
        } else {
            Log.debugf("[%s] attempt %d failed: %s", id, failedAttempts, failure.description());
            connection.counters.failedAttempts.incrementAndGet();
        }
        return decision;
    }

    /** CONNECTING → FAILED (attempts exhausted, a fatal rejection) or OFFLINE (network gone). */
    @Override
    public void cycleEnded(long number, Throwable failure) {
        boolean offline = failure instanceof NetworkUnreachableException;
        ReachabilityProbe probe = null;
        int failedAttempts;
        synchronized (connection) {
            if (!isCurrentLocked(number)) {
                return;
            }
            String lastError = connection.history.lastError();
            failedAttempts = connection.cycles.attemptLocked();
            if (offline) {
                probe = new ReachabilityProbe(connection.env.timers(), connection.config().offline().probeInterval(),
                        connection.sessions.upstream()::probe, this);
                connection.moveLocked(new Phase.Offline(probe), "network unreachable (" + lastError + ")");
            } else if (failure instanceof FatalRejectionException) {
                connection.moveLocked(new Phase.Failed(), "rejected by the upstream: " + lastError);
            } else {
                connection.moveLocked(new Phase.Failed(), failedAttempts + " attempts failed (" + lastError + ")");
            }
        }
        if (offline) {
            Log.warnf("[%s] offline: %s; probing every %d ms", id, failure.getMessage(),
                    connection.config().offline().probeInterval().toMillis());
            connection.counters.offlinePeriods.incrementAndGet();
            probe.start();
        } else if (failure instanceof FatalRejectionException) {
            Log.warnf("[%s] failed: %s; no further attempt until opened again", id, failure.getMessage());
        } else {
            Log.warnf("[%s] failed after %d attempts: %s", id, failedAttempts, FailureClassifier.describe(failure));
        }
    }

    /** OFFLINE → CONNECTING: this probe got an answer; a fresh cycle starts with attempts reset. */
    @Override
    public void networkReturned(ReachabilityProbe probe) {
        long newCycle;
        synchronized (connection) {
            if (!(connection.phase instanceof Phase.Offline o && o.probe() == probe)
                    || connection.desired != DesiredState.OPEN || connection.stopped) {
                return;
            }
            newCycle = connection.beginCycleLocked("network is back");
        }
        Log.infof("[%s] network is back: reconnecting", id);
        connection.cycles.run(newCycle);
    }

    @Override
    public void stillUnreachable(ReachabilityProbe probe, Throwable failure) {
        synchronized (connection) {
            if (connection.phase instanceof Phase.Offline o && o.probe() == probe) {
                connection.history.failed("offline: " + FailureClassifier.describe(failure));
            }
        }
    }

    /** Whether {@code number} is the cycle the phase belongs to, and reconnecting is still wanted. */
    private boolean isCurrentLocked(long number) {
        Phase phase = connection.phase;
        boolean ours = phase instanceof Phase.Connecting c && c.cycle() == number
                || phase instanceof Phase.Reconnecting r && r.cycle() == number;
        return ours && connection.desired == DesiredState.OPEN && connection.mayRunLocked();
    }

    /** Whether {@code attempt} is the session of the CONNECTING phase of cycle {@code number}. */
    private boolean isAttemptLocked(long number, Session attempt) {
        return connection.phase instanceof Phase.Connecting c && c.session() == attempt && isCurrentLocked(number);
    }
}
