package io.longlink.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.longlink.config.AuthConfig;

/**
 * The configured API keys ({@code longlink.auth.api-keys.<name>.*}), checked once: a hash that is not 64 hex
 * digits, a key without roles or with an unknown one, fails with a message naming the key and what to fix.
 *
 * <p>{@link #find(String)} hashes the presented key and compares it with every configured hash by
 * {@link MessageDigest#isEqual}, without stopping at the first match, so neither the result nor the time taken
 * says how much of a hash matched. Only names and hashes are kept, never a key.
 */
final class ApiKeys {

    /** One configured key: its name (safe to log), the SHA-256 of the key, roles and scope. */
    record ApiKey(String name, byte[] sha256, Set<String> roles, ConnectionScope scope) {
    }

    private static final int SHA256_HEX_LENGTH = 64;

    private final List<ApiKey> keys;

    private ApiKeys(List<ApiKey> keys) {
        this.keys = keys;
    }

    /** The keys of {@code config}, or an {@link IllegalStateException} that says which entry is wrong and why. */
    static ApiKeys from(AuthConfig config) {
        List<ApiKey> keys = new ArrayList<>();
        for (Map.Entry<String, AuthConfig.ApiKey> entry : new TreeMap<>(config.apiKeys()).entrySet()) {
            String name = entry.getKey();
            String prefix = "longlink.auth.api-keys." + name;
            String hex = entry.getValue().sha256().trim().toLowerCase();
            if (hex.length() != SHA256_HEX_LENGTH || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalStateException(prefix + ".sha256 must be the 64 hex digits of the key's SHA-256 "
                        + "(printf %s \"$KEY\" | sha256sum), not a key or anything else");
            }
            Set<String> roles = new TreeSet<>();
            for (String role : entry.getValue().roles()) {
                String trimmed = role.trim().toLowerCase();
                if (!Roles.ALL.contains(trimmed)) {
                    throw new IllegalStateException(prefix + ".roles has '" + role.trim() + "'; the roles are "
                            + String.join(", ", new TreeSet<>(Roles.ALL)));
                }
                roles.add(trimmed);
            }
            if (roles.isEmpty()) {
                throw new IllegalStateException(prefix + ".roles is empty; give at least one of "
                        + String.join(", ", new TreeSet<>(Roles.ALL)));
            }
            keys.add(new ApiKey(name, HexFormat.of().parseHex(hex), Set.copyOf(roles),
                    ConnectionScope.of(entry.getValue().connections())));
        }
        return new ApiKeys(List.copyOf(keys));
    }

    boolean isEmpty() {
        return keys.isEmpty();
    }

    int size() {
        return keys.size();
    }

    /** The names of the keys (never the keys or their hashes), for the start-up log. */
    List<String> names() {
        return keys.stream().map(ApiKey::name).toList();
    }

    /** The configured key whose hash is the presented key's, if any. */
    Optional<ApiKey> find(String presented) {
        byte[] hash = sha256(presented);
        ApiKey found = null;
        for (ApiKey key : keys) {
            if (MessageDigest.isEqual(hash, key.sha256()) && found == null) {
                found = key;
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
