package io.longlink.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class ConnectionObserverTest {

    /** An observer that writes down each call it hears, as "method:arguments". */
    private static ConnectionObserver recorder(List<String> heard) {
        return (ConnectionObserver) Proxy.newProxyInstance(ConnectionObserver.class.getClassLoader(),
                new Class<?>[] { ConnectionObserver.class },
                (proxy, method, args) -> {
                    heard.add(method.getName() + ":" + Arrays.toString(args));
                    return null;
                });
    }

    @Test
    void theCompositeForwardsEveryEventToEachObserverInOrder() {
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        ConnectionObserver all = ConnectionObserver.all(List.of(recorder(first), recorder(second)));
        List<String> expected = new ArrayList<>();
        // every method the interface has, so that one added later cannot be forgotten by the composite
        for (Method method : ConnectionObserver.class.getMethods()) {
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            Object[] args = Arrays.stream(method.getParameterTypes()).map(ConnectionObserverTest::sample).toArray();
            try {
                method.invoke(all, args);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(method.getName(), e);
            }
            expected.add(method.getName() + ":" + Arrays.toString(args));
        }
        assertEquals(6, expected.size(),
                "heartbeatAnswered, socketEnded, requestEnded, connectionAdded, connectionRemoved, inboundGap");
        assertEquals(expected, first);
        assertEquals(expected, second);
    }

    @Test
    void oneObserverIsItselfAndNoneIsFine() {
        List<String> heard = new ArrayList<>();
        ConnectionObserver only = recorder(heard);
        assertSame(only, ConnectionObserver.all(List.of(only)));
        ConnectionObserver.all(List.of()).requestEnded("c", RequestOutcome.REPLIED, 5);
    }

    private static Object sample(Class<?> type) {
        if (type == String.class) {
            return "conn-1";
        }
        if (type == long.class) {
            return 42L;
        }
        if (type == RequestOutcome.class) {
            return RequestOutcome.SOCKET_LOST;
        }
        return null;
    }
}
