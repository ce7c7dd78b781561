package io.longlink;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same assertions as {@link HeartbeatTest}, against the packaged application. */
@QuarkusIntegrationTest
class HeartbeatIT extends HeartbeatTest {
}
