package io.longlink;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same assertions as {@link InboundTest}, against the packaged application. */
@QuarkusIntegrationTest
class InboundIT extends InboundTest {
}
