package io.longlink;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same assertions as {@link OutboxTest}, against the packaged application. */
@QuarkusIntegrationTest
class OutboxIT extends OutboxTest {
}
