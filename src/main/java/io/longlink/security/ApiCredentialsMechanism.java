package io.longlink.security;

import java.util.Set;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.longlink.config.AuthConfig;
import io.longlink.rest.Problem;
import io.longlink.rest.ProblemMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.smallrye.jwt.runtime.auth.JsonWebTokenCredential;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * How a caller of the control plane says who it is: {@code X-API-Key: <key>}, or {@code Authorization: Bearer
 * <credential>} where the credential is an API key, or, with {@code longlink.auth.jwt.enabled}, a JWT (three
 * dot-separated parts) that SmallRye JWT verifies. A request without either is anonymous and reaches only the open
 * endpoints; one with a credential that does not verify is answered 401 at once, whatever it asked for.
 *
 * <p>It runs before SmallRye JWT's own mechanism (higher priority) and hands JWTs to SmallRye JWT's identity
 * provider itself, so this is the one mechanism that decides, and the one whose challenge is sent: a 401
 * {@code application/problem+json} with {@code WWW-Authenticate: Bearer}. With {@code longlink.auth.enabled=false}
 * every request is the {@link #OPEN} caller, which may do everything.
 *
 * <p>Credentials are never logged and never echoed in a body.
 */
@Singleton
public class ApiCredentialsMechanism implements HttpAuthenticationMechanism {

    /** The header that carries an API key when {@code Authorization} is not used. */
    public static final String API_KEY_HEADER = "X-API-Key";
    private static final String BEARER = "Bearer";
    /** Ahead of SmallRye JWT's mechanism, which has the default priority. */
    private static final int PRIORITY = DEFAULT_PRIORITY + 1000;

    /** The caller of every request while authentication is off: every role, every connection. */
    static final SecurityIdentity OPEN = QuarkusSecurityIdentity.builder()
            .setPrincipal(new QuarkusPrincipal("open-access"))
            .addRoles(Roles.ALL)
            .addAttribute(ConnectionScope.ATTRIBUTE, ConnectionScope.ALL)
            .build();

    private final AuthConfig config;
    private final ObjectMapper json;

    public ApiCredentialsMechanism(AuthConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    /** The caller of every request while authentication is off; null while it is on. */
    public SecurityIdentity openCaller() {
        return config.enabled() ? null : OPEN;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        if (!config.enabled()) {
            return Uni.createFrom().item(OPEN);
        }
        String apiKey = context.request().getHeader(API_KEY_HEADER);
        String bearer = bearer(context.request().getHeader(HttpHeaderNames.AUTHORIZATION));
        if (apiKey == null && bearer == null) {
            return Uni.createFrom().nullItem();
        }
        // this mechanism answers the challenge if the credential does not verify
        context.put(HttpAuthenticationMechanism.class.getName(), this);
        AuthenticationRequest request;
        if (apiKey == null && config.jwt().enabled() && isJwt(bearer)) {
            request = new TokenAuthenticationRequest(new JsonWebTokenCredential(bearer));
        } else {
            request = new ApiKeyAuthenticationRequest(apiKey != null ? apiKey.trim() : bearer);
        }
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(request, context));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, HttpHeaderNames.WWW_AUTHENTICATE, BEARER));
    }

    /** The 401 as problem+json, for every way Quarkus may send it (failed credentials, anonymous at a policy). */
    @Override
    public Uni<Boolean> sendChallenge(RoutingContext context) {
        HttpServerResponse response = context.response();
        if (!response.ended()) {
            response.setStatusCode(401)
                    .putHeader(HttpHeaderNames.WWW_AUTHENTICATE, BEARER)
                    .putHeader(HttpHeaderNames.CONTENT_TYPE, ProblemMapper.PROBLEM_JSON)
                    .end(body(Problem.unauthorized(context.normalizedPath())));
        }
        return Uni.createFrom().item(true);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyAuthenticationRequest.class, TokenAuthenticationRequest.class);
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    /** The credential of an {@code Authorization: Bearer ...} header; null for no header or another scheme. */
    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.trim();
        if (value.length() <= BEARER.length() || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || !Character.isWhitespace(value.charAt(BEARER.length()))) {
            return null;
        }
        String credential = value.substring(BEARER.length()).trim();
        return credential.isEmpty() ? null : credential;
    }

    /** A compact JWS: header.payload.signature. API keys (hex) never contain a dot. */
    private static boolean isJwt(String credential) {
        return credential.chars().filter(c -> c == '.').count() == 2;
    }

    private String body(Problem problem) {
        try {
            return json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem document always serializes", e);
        }
    }
}
