package io.longlink.security;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import io.smallrye.jwt.build.Jwt;

/**
 * The credentials of the auth tests: one API key per role (plus a producer limited to {@code orders-*}) and RSA key
 * pairs for JWTs, all made by the test run. Keys live in system properties, which the test profile and the test
 * class see alike even when Quarkus loads them in different class loaders.
 */
public final class TestCredentials {

    static final String ISSUER = "https://issuer.longlink.test";
    /** Key names: one per role, and a producer whose patterns are {@code orders-*}. */
    static final List<String> ROLE_KEYS = List.of(Roles.VIEWER, Roles.PRODUCER, Roles.CONSUMER, Roles.OPERATOR,
            Roles.ADMIN);
    static final String ORDERS_PRODUCER = "orders";

    private TestCredentials() {
    }

    /** The API key named {@code name}: 32 random bytes in hex, as {@code openssl rand -hex 32} makes them. */
    public static synchronized String apiKey(String name) {
        String property = "auth-test.api-key." + name;
        if (System.getProperty(property) == null) {
            byte[] bytes = new byte[32];
            new java.security.SecureRandom().nextBytes(bytes);
            System.setProperty(property, HexFormat.of().formatHex(bytes));
        }
        return System.getProperty(property);
    }

    /** What {@code printf %s "$KEY" | sha256sum} prints. */
    public static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The RSA key pair named {@code name} (the trusted issuer's, or an impostor's). */
    static synchronized KeyPair jwtKeys(String name) {
        String property = "auth-test.jwt-key." + name;
        try {
            if (System.getProperty(property + ".private") == null) {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                KeyPair pair = generator.generateKeyPair();
                System.setProperty(property + ".private", Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
                System.setProperty(property + ".public", Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
            }
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            PublicKey publicKey = rsa.generatePublic(new X509EncodedKeySpec(
                    Base64.getDecoder().decode(System.getProperty(property + ".public"))));
            PrivateKey privateKey = rsa.generatePrivate(new PKCS8EncodedKeySpec(
                    Base64.getDecoder().decode(System.getProperty(property + ".private"))));
            return new KeyPair(publicKey, privateKey);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The trusted issuer's public key as {@code mp.jwt.verify.publickey} takes it (base64 of the X.509 DER). */
    static String trustedPublicKey() {
        return Base64.getEncoder().encodeToString(jwtKeys("trusted").getPublic().getEncoded());
    }

    /** A JWT with these groups and, unless null, these {@code longlink_connections} patterns. */
    static String jwt(String signer, String issuer, Instant expiresAt, Set<String> groups, List<String> connections) {
        var claims = Jwt.issuer(issuer).subject("test-client").upn("test-client").groups(groups)
                .issuedAt(expiresAt.minusSeconds(3600)).expiresAt(expiresAt);
        if (connections != null) {
            claims = claims.claim(JwtCallerAugmentor.CLAIM, connections);
        }
        return claims.sign(jwtKeys(signer).getPrivate());
    }
}
