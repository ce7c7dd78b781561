package io.longlink;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same assertions as {@link ReconnectTest}, against the packaged application. */
@QuarkusIntegrationTest
class ReconnectIT extends ReconnectTest {
}
