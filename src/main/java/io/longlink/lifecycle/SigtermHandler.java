package io.longlink.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.longlink.config.LonglinkConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;

import sun.misc.Signal;

/**
 * Makes SIGTERM (what Kubernetes sends to stop a pod) a requested stop: Quarkus runs the same graceful shutdown
 * as for any exit and the process ends with status 0. Without it the JVM's default handler runs the same
 * shutdown hooks but ends with 143, which reads as a crash in {@code kubectl describe} and in process
 * supervisors. Installed only when the packaged application runs ({@link LaunchMode#NORMAL}) and
 * {@code longlink.shutdown.exit-zero-on-sigterm} is true. A second SIGTERM while stopping changes nothing.
 */
@ApplicationScoped
public class SigtermHandler {

    private final LonglinkConfig config;

    public SigtermHandler(LonglinkConfig config) {
        this.config = config;
    }

    void install(@Observes StartupEvent event) {
        if (LaunchMode.current() != LaunchMode.NORMAL || !config.shutdown().exitZeroOnSigterm()) {
            return;
        }
        Signal.handle(new Signal("TERM"), signal -> {
            Log.info("SIGTERM received: shutting down gracefully");
            Quarkus.asyncExit(0);
        });
    }
}
