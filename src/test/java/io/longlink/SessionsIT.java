package io.longlink;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same assertions as {@link SessionsTest}, against the packaged application. */
@QuarkusIntegrationTest
class SessionsIT extends SessionsTest {
}
