package io.longlink.connection;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import io.longlink.outbox.OutboundMessage;
import io.vertx.core.MultiMap;
import io.vertx.core.http.UpgradeRejectedException;

/**
 * An {@link Upstream} driven by a test: every connect and every probe waits until the test answers it, and every
 * socket records what was written to it and lets the test fire the upstream's events.
 */
final class FakeUpstream implements Upstream {

    /** One connect call, waiting for the test's answer. */
    static final class Attempt {
        final Map<String, String> headers;
        final Map<String, String> query;
        final SocketEvents events;
        final CompletableFuture<UpstreamSocket> result = new CompletableFuture<>();

        Attempt(Handshake handshake, SocketEvents events) {
            this.headers = handshake.headers();
            this.query = handshake.queryParameters();
            this.events = events;
        }

        /** Answers the handshake with an HTTP status, as Vert.x reports it, with {@code Retry-After} when not null. */
        void reject(int status, String retryAfter) {
            MultiMap headers = MultiMap.caseInsensitiveMultiMap();
            if (retryAfter != null) {
                headers.add("Retry-After", retryAfter);
            }
            result.completeExceptionally(new UpgradeRejectedException("WebSocket upgrade failure: " + status, status,
                    headers, null));
        }

        FakeSocket accept() {
            FakeSocket socket = new FakeSocket(events);
            result.complete(socket);
            return socket;
        }

        void refuse() {
            result.completeExceptionally(new ConnectException("Connection refused"));
        }

        void unresolvable() {
            result.completeExceptionally(new UnknownHostException("upstream.invalid"));
        }

        boolean answered() {
            return result.isDone();
        }
    }

    /** A socket that records frames and close frames; writes succeed unless {@link #failWritesAfter} says so. */
    static final class FakeSocket implements UpstreamSocket {
        final SocketEvents events;
        final List<String> frames = new CopyOnWriteArrayList<>();
        final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
        int pings;
        /** Completes the close stage when the test answers (a peer that answers close frames at once by default). */
        boolean answersClose = true;
        final List<CompletableFuture<Void>> pendingCloses = new ArrayList<>();
        /** Writes beyond this many frames fail; -1: never. */
        int failWritesAfter = -1;
        /** Frames are recorded at once but their writes complete only at {@link #completeWrites} (a slow socket). */
        boolean holdWrites;
        private final List<Runnable> heldWrites = new ArrayList<>();

        /** Completes the writes held so far, oldest first (those they cause are held again). */
        void completeWrites() {
            List<Runnable> now = new ArrayList<>(heldWrites);
            heldWrites.clear();
            now.forEach(Runnable::run);
        }

        FakeSocket(SocketEvents events) {
            this.events = events;
        }

        @Override
        public CompletionStage<Written> write(List<OutboundMessage> messages) {
            int count = 0;
            for (OutboundMessage m : messages) {
                if (failWritesAfter >= 0 && frames.size() >= failWritesAfter) {
                    return CompletableFuture.completedFuture(
                            new Written(count, new IllegalStateException("connection was closed")));
                }
                frames.add(new String(m.payload(), StandardCharsets.UTF_8));
                count++;
            }
            if (holdWrites) {
                CompletableFuture<Written> written = new CompletableFuture<>();
                int all = count;
                heldWrites.add(() -> written.complete(new Written(all, null)));
                return written;
            }
            return CompletableFuture.completedFuture(new Written(count, null));
        }

        @Override
        public CompletionStage<Void> sendText(String text) {
            frames.add(text);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> sendBinary(byte[] bytes) {
            frames.add(new String(bytes, StandardCharsets.ISO_8859_1));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> ping() {
            pings++;
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> close(int code, String reason) {
            closeCodes.add(code);
            CompletableFuture<Void> closed = new CompletableFuture<>();
            if (answersClose) {
                closed.complete(null);
            } else {
                pendingCloses.add(closed);
            }
            return closed;
        }
    }

    final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Void>> probes = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<UpstreamSocket> connect(Handshake handshake, SocketEvents events) {
        Attempt attempt = new Attempt(handshake, events);
        attempts.add(attempt);
        return attempt.result;
    }

    @Override
    public CompletionStage<Void> probe() {
        CompletableFuture<Void> probe = new CompletableFuture<>();
        probes.add(probe);
        return probe;
    }

    Attempt last() {
        return attempts.get(attempts.size() - 1);
    }

    CompletableFuture<Void> lastProbe() {
        return probes.get(probes.size() - 1);
    }
}
