package io.longlink.echo;

import jakarta.enterprise.context.ApplicationScoped;

import io.longlink.config.LonglinkConfig;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;

/** Refuses the echo endpoint's handshake with 404 unless {@code longlink.echo.enabled} is true. */
@ApplicationScoped
public class EchoUpgradeCheck implements HttpUpgradeCheck {

    private final LonglinkConfig config;

    public EchoUpgradeCheck(LonglinkConfig config) {
        this.config = config;
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return EchoEndpoint.ID.equals(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        return config.echo().enabled() ? CheckResult.permitUpgrade() : CheckResult.rejectUpgrade(404);
    }
}
