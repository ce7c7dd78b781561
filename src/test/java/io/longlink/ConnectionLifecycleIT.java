package io.longlink;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same assertions as {@link ConnectionLifecycleTest}, against the packaged application. */
@QuarkusIntegrationTest
class ConnectionLifecycleIT extends ConnectionLifecycleTest {
}
