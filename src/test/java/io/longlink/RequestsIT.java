package io.longlink;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same assertions as {@link RequestsTest}, against the packaged application. */
@QuarkusIntegrationTest
class RequestsIT extends RequestsTest {
}
