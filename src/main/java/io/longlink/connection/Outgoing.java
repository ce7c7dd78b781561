package io.longlink.connection;

import java.util.ArrayList;
import java.util.List;

import io.longlink.outbox.OutboundMessage;

/**
 * The frames of one flush step, in the order they are written: outbox messages from the head of the outbox, with the
 * waiting requests placed among them by arrival ({@link PendingRequests#take}). The one send path of a connection:
 * whatever limits what a socket writes (a send rate) applies here to both.
 *
 * @param frames every frame, in order
 * @param messages the outbox messages among them, in order
 * @param requests the requests among them, in order
 * @param isRequest for each frame, whether it is a request
 */
record Outgoing(List<OutboundMessage> frames, List<OutboundMessage> messages, List<PendingRequests.Pending> requests,
        boolean[] isRequest) {

    /**
     * The outbox messages {@code head} (oldest first) with every waiting request that arrived before each of them
     * placed before it, and after the last one those that arrived before any later message; requests are handed to
     * {@code socket} as they are placed. With an empty head, the waiting requests alone. At most {@code maxFrames}
     * frames (what {@code send-rate} allows): the first ones of that order, the rest waits.
     */
    static Outgoing of(List<OutboundMessage> head, PendingRequests requests, int maxRequests, int maxFrames,
            Object socket) {
        if (!requests.anyWaiting()) {
            List<OutboundMessage> cut = head.size() <= maxFrames ? head : head.subList(0, Math.max(0, maxFrames));
            return new Outgoing(cut, cut, List.of(), new boolean[cut.size()]);
        }
        List<OutboundMessage> frames = new ArrayList<>(head.size() + 1);
        List<PendingRequests.Pending> taken = new ArrayList<>();
        List<Boolean> kinds = new ArrayList<>(head.size() + 1);
        int messages = 0;
        for (OutboundMessage message : head) {
            place(requests.take(message.id(), Math.min(maxRequests - taken.size(), maxFrames - frames.size()),
                    socket), frames, taken, kinds);
            if (frames.size() >= maxFrames) {
                break;
            }
            frames.add(message);
            kinds.add(false);
            messages++;
        }
        if (messages == head.size()) {
            long last = head.isEmpty() ? Long.MAX_VALUE : head.get(head.size() - 1).id() + 1;
            place(requests.take(last, Math.min(maxRequests - taken.size(), maxFrames - frames.size()), socket),
                    frames, taken, kinds);
        }
        boolean[] isRequest = new boolean[kinds.size()];
        for (int i = 0; i < isRequest.length; i++) {
            isRequest[i] = kinds.get(i);
        }
        return new Outgoing(frames, head.subList(0, messages), taken, isRequest);
    }

    private static void place(List<PendingRequests.Pending> placed, List<OutboundMessage> frames,
            List<PendingRequests.Pending> taken, List<Boolean> kinds) {
        for (PendingRequests.Pending p : placed) {
            frames.add(p.frame);
            taken.add(p);
            kinds.add(true);
        }
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    /** The outbox messages among the first {@code written} frames: the prefix of {@link #messages} that was written. */
    List<OutboundMessage> messagesIn(int written) {
        int count = 0;
        for (int i = 0; i < written; i++) {
            if (!isRequest[i]) {
                count++;
            }
        }
        return messages.subList(0, count);
    }
}
