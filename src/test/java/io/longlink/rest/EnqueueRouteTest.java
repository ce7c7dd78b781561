package io.longlink.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The paths {@link EnqueueRoute} serves itself; every other one goes on to the resource. */
class EnqueueRouteTest {

    @Test
    void servesTheMessagesAndBatchPathsOfAnId() {
        assertEquals(new EnqueueRoute.Served("bench", EnqueueRoute.Kind.MESSAGE), EnqueueRoute.served("/connections/bench/messages"));
        assertEquals(new EnqueueRoute.Served("a-1", EnqueueRoute.Kind.BATCH), EnqueueRoute.served("/connections/a-1/messages:batch"));
        assertEquals(new EnqueueRoute.Served("a", EnqueueRoute.Kind.BATCH), EnqueueRoute.served("/connections/a/messages%3Abatch"));
        assertEquals(new EnqueueRoute.Served("a", EnqueueRoute.Kind.BATCH), EnqueueRoute.served("/connections/a/messages%3abatch"));
    }

    @Test
    void leavesEveryOtherPathToTheResource() {
        for (String path : new String[] { "/connections/a/messages/1", "/connections/a/messages/", "/connections//messages",
                "/connections/messages", "/connections/a/b/messages", "/connections/a/messagesx",
                "/connections/a/messages:batchx", "/connections/a/messages:Batch", "/connections/a/messages%3Bbatch",
                "/connections/a/messages%3A", "/connections/%61/messages", "/connections/a", "/other/a/messages",
                "/connections/a/messages/batch", "/connections/a/requests/", "/connections/a/requestsx",
                "/connections/a/requests/1", "/connections//requests", "/connections/%61/requests" }) {
            assertNull(EnqueueRoute.served(path), path);
        }
    }
}
