package io.longlink;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same assertions as {@link BadInputTest}, against the packaged application. */
@QuarkusIntegrationTest
class BadInputIT extends BadInputTest {
}
