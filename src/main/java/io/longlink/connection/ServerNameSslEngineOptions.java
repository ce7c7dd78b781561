package io.longlink.connection;

import java.util.List;
import java.util.Set;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;

/**
 * TLS for a socket dialled to a pinned address ({@link UpstreamPolicy#pin}): Vert.x 4.5 takes a WebSocket's TLS peer
 * from the host it dials, here an IP address, so every engine it makes is given the upstream's host name as its SNI
 * server name. The JDK's trust manager verifies a server's certificate against the requested SNI name first, so the
 * certificate is still checked against the host name of the URL (with Vert.x's {@code HTTPS} endpoint
 * identification, as for any other socket). Everything else is the engine options the client already had.
 */
final class ServerNameSslEngineOptions extends SSLEngineOptions {

    private final SSLEngineOptions delegate;
    private final String serverName;

    /** {@code delegate} null: the JDK engine, Vert.x's default. */
    ServerNameSslEngineOptions(SSLEngineOptions delegate, String serverName) {
        this.delegate = delegate == null ? new JdkSSLEngineOptions() : delegate;
        this.serverName = serverName;
        setUseWorkerThread(this.delegate.getUseWorkerThread());
    }

    @Override
    public SSLEngineOptions copy() {
        return new ServerNameSslEngineOptions(delegate.copy(), serverName);
    }

    @Override
    public SslContextFactory sslContextFactory() {
        SslContextFactory factory = delegate.sslContextFactory();
        return new SslContextFactory() {
            @Override
            public SslContextFactory useAlpn(boolean useAlpn) {
                factory.useAlpn(useAlpn);
                return this;
            }

            @Override
            public SslContextFactory clientAuth(ClientAuth clientAuth) {
                factory.clientAuth(clientAuth);
                return this;
            }

            @Override
            public SslContextFactory forClient(boolean forClient) {
                factory.forClient(forClient);
                return this;
            }

            @Override
            public SslContextFactory keyMananagerFactory(KeyManagerFactory kmf) {
                factory.keyMananagerFactory(kmf);
                return this;
            }

            @Override
            public SslContextFactory trustManagerFactory(TrustManagerFactory tmf) {
                factory.trustManagerFactory(tmf);
                return this;
            }

            @Override
            public SslContextFactory enabledCipherSuites(Set<String> suites) {
                factory.enabledCipherSuites(suites);
                return this;
            }

            @Override
            public SslContextFactory applicationProtocols(List<String> protocols) {
                factory.applicationProtocols(protocols);
                return this;
            }

            @Override
            public SslContextFactory serverName(String name) {
                factory.serverName(name);
                return this;
            }

            @Override
            public SslContext create() throws SSLException {
                return new DelegatingSslContext(factory.create()) {
                    @Override
                    protected void initEngine(SSLEngine engine) {
                        SSLParameters parameters = engine.getSSLParameters();
                        parameters.setServerNames(List.of(new SNIHostName(serverName)));
                        engine.setSSLParameters(parameters);
                    }
                };
            }
        };
    }
}
