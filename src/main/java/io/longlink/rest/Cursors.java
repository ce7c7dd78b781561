package io.longlink.rest;

/** Cursor and page-size parameters ({@code after}, {@code limit}, {@code Last-Event-ID}): whole numbers in a range, else 400 {@code bad-cursor}. */
final class Cursors {

    private Cursors() {
    }

    /** A sequence number to resume after; 0 when absent. */
    static long parse(String name, String value) {
        return parse(name, value, 0, 0, Long.MAX_VALUE);
    }

    static long parse(String name, String value, long fallback, long min, long max) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.badRequest("bad-cursor", "Bad cursor",
                name + " must be a whole number from " + min + " to " + max + ", not '" + value + "'");
    }
}
