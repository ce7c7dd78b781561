package io.longlink;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same assertions as {@link CredentialsTest}, against the packaged application. */
@QuarkusIntegrationTest
class CredentialsIT extends CredentialsTest {
}
