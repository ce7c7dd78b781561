package io.longlink.session;

import java.util.ArrayList;
import java.util.List;

/**
 * The value at one JSON Pointer in a JSON text, found by scanning the text once without building a tree: the
 * members and elements off the pointer's path are skipped character by character, nothing is allocated but the
 * value found. For checks that run on every inbound frame (sequence numbers and their scope), where a full parse
 * per frame would cost more than everything else the frame goes through.
 *
 * <p>A text that is not JSON where the scan passes answers null; the scan does not validate what it skips. With a
 * member repeated, the first one counts. Immutable and thread-safe.
 */
public final class JsonScan {

    /** The pointer's reference tokens, unescaped ({@code ~1} is {@code /}, {@code ~0} is {@code ~}). */
    private final String[] tokens;
    private final String pointer;

    private JsonScan(String pointer, String[] tokens) {
        this.pointer = pointer;
        this.tokens = tokens;
    }

    /** A scan for {@code pointer} (RFC 6901); {@link IllegalArgumentException} says why it is not a JSON Pointer. */
    public static JsonScan of(String pointer) {
        Matcher.pointer(pointer);
        List<String> tokens = new ArrayList<>();
        for (String token : pointer.substring(1).split("/", -1)) {
            tokens.add(token.replace("~1", "/").replace("~0", "~"));
        }
        return new JsonScan(pointer, tokens.toArray(String[]::new));
    }

    @Override
    public String toString() {
        return pointer;
    }

    /**
     * The value at the pointer: a string by its content, a number as the text spells it, {@code true}, {@code false}
     * or {@code null}; null when the text has no such value, the value is an object or array, or the text is not JSON.
     */
    public String valueIn(String text) {
        try {
            return new Cursor(text).find(tokens);
        } catch (IndexOutOfBoundsException | NumberFormatException e) {
            return null;
        }
    }

    /** The value at the pointer as a whole number (a JSON number or a string of digits); null when none. */
    public Long longIn(String text) {
        String value = valueIn(text);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** One pass over one text. */
    private static final class Cursor {
        private final String s;
        private int i;

        Cursor(String s) {
            this.s = s;
        }

        String find(String[] path) {
            for (String token : path) {
                blanks();
                char c = s.charAt(i);
                if (c == '{') {
                    if (!member(token)) {
                        return null;
                    }
                } else if (c == '[') {
                    if (!element(token)) {
                        return null;
                    }
                } else {
                    return null;
                }
            }
            blanks();
            char c = s.charAt(i);
            if (c == '"') {
                return string();
            }
            if (c == '{' || c == '[') {
                return null;
            }
            int start = i;
            while (i < s.length() && !delimiter(s.charAt(i))) {
                i++;
            }
            return i == start ? null : s.substring(start, i);
        }

        /** At a '{': moves to the value of member {@code name}; false when there is none. */
        private boolean member(String name) {
            i++;
            while (true) {
                blanks();
                char c = s.charAt(i);
                if (c == '}') {
                    return false;
                }
                if (c == ',') {
                    i++;
                    continue;
                }
                if (c != '"') {
                    return false;
                }
                boolean match = keyEquals(name);
                blanks();
                if (s.charAt(i) != ':') {
                    return false;
                }
                i++;
                if (match) {
                    return true;
                }
                skipValue();
            }
        }

        /** At a '[': moves to element {@code index}; false when there is none. */
        private boolean element(String index) {
            if (index.isEmpty() || index.length() > 9 || !index.chars().allMatch(Character::isDigit)
                    || index.length() > 1 && index.charAt(0) == '0') {
                return false;
            }
            int wanted = Integer.parseInt(index);
            i++;
            for (int n = 0;; n++) {
                blanks();
                if (s.charAt(i) == ']') {
                    return false;
                }
                if (n == wanted) {
                    return true;
                }
                skipValue();
                blanks();
                if (s.charAt(i) == ',') {
                    i++;
                }
            }
        }

        /** At a key's opening quote: reads past its closing quote; whether it equals {@code name}. */
        private boolean keyEquals(String name) {
            int start = i + 1;
            int end = start;
            boolean escaped = false;
            while (s.charAt(end) != '"') {
                if (s.charAt(end) == '\\') {
                    escaped = true;
                    end++;
                }
                end++;
            }
            if (!escaped) {
                i = end + 1;
                return end - start == name.length() && s.regionMatches(start, name, 0, name.length());
            }
            return name.equals(string());
        }

        /** At an opening quote: the string's content, unescaped, and the cursor after its closing quote. */
        private String string() {
            StringBuilder out = null;
            int start = ++i;
            while (true) {
                char c = s.charAt(i);
                if (c == '"') {
                    String plain = s.substring(start, i++);
                    return out == null ? plain : out.append(plain).toString();
                }
                if (c != '\\') {
                    i++;
                    continue;
                }
                out = out == null ? new StringBuilder() : out;
                out.append(s, start, i);
                char e = s.charAt(i + 1);
                switch (e) {
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> out.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                    default -> out.append(e);
                }
                i += e == 'u' ? 6 : 2;
                start = i;
            }
        }

        /** Moves past one value of any kind. */
        private void skipValue() {
            blanks();
            char c = s.charAt(i);
            if (c == '"') {
                skipString();
            } else if (c == '{' || c == '[') {
                int depth = 0;
                do {
                    char d = s.charAt(i);
                    if (d == '"') {
                        skipString();
                        continue;
                    }
                    if (d == '{' || d == '[') {
                        depth++;
                    } else if (d == '}' || d == ']') {
                        depth--;
                    }
                    i++;
                } while (depth > 0);
            } else {
                while (!delimiter(s.charAt(i))) {
                    i++;
                }
            }
        }

        private void skipString() {
            i++;
            while (true) {
                char c = s.charAt(i);
                if (c == '\\') {
                    i += 2;
                } else if (c == '"') {
                    i++;
                    return;
                } else {
                    i++;
                }
            }
        }

        private void blanks() {
            while (true) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                    return;
                }
                i++;
            }
        }

        private static boolean delimiter(char c) {
            return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
        }
    }
}
