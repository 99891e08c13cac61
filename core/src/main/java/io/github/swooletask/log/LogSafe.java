package io.github.swooletask.log;

import org.jspecify.annotations.Nullable;

/**
 * Makes text from other programs (task names, spill paths, Redis fields, rejection details) safe to put in a log
 * line: every character that could end the line, move the cursor, recolour a terminal or hide text is replaced by an
 * escape: {@code \n}, {@code \r}, {@code \t}, {@code \e} (ESC), {@code \xNN} for other C0 controls and DEL, and
 * {@code \}{@code uNNNN} ({@code \}{@code u{NNNNN}} beyond the BMP) for C1 controls, Unicode format characters
 * (e.g. right-to-left overrides, zero-width characters), line and paragraph separators, private-use and unassigned
 * code points and unpaired surrogates. Printable characters, non-ASCII letters included, stay as they are.
 *
 * <p>A backslash is kept as it is, so escaping is idempotent: text escaped twice (a rejection message wrapped in
 * another) reads as text escaped once. The price is that a literal backslash-n sent by a program looks like an
 * escaped newline; either way no line is forged.
 */
public final class LogSafe {

    private LogSafe() {
    }

    /** The text with every non-printable character escaped; {@code "null"} for null. */
    public static String escape(@Nullable CharSequence text) {
        if (text == null) {
            return "null";
        }
        int first = firstUnsafe(text);
        if (first < 0) {
            return text.toString();
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        out.append(text, 0, first);
        appendEscaped(out, text, first, text.length());
        return out.toString();
    }

    /**
     * The text escaped as {@link #escape(CharSequence)} does, cut after {@code maxChars} characters of the original
     * with a note of how many more there were.
     */
    public static String escape(@Nullable CharSequence text, int maxChars) {
        if (text == null || text.length() <= maxChars) {
            return escape(text);
        }
        int cut = Math.max(maxChars, 0);
        if (cut > 0 && Character.isHighSurrogate(text.charAt(cut - 1))) {
            cut--;
        }
        return escape(text.subSequence(0, cut)) + "... (" + (text.length() - cut) + " more characters)";
    }

    /** Whether {@link #escape(CharSequence)} would leave this text as it is. */
    public static boolean isSafe(CharSequence text) {
        return firstUnsafe(text) < 0;
    }

    private static int firstUnsafe(CharSequence text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                continue;
            }
            if (c < 0x20 || c == 0x7f) {
                return i;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (!isPrintable(Character.toCodePoint(c, text.charAt(i + 1)))) {
                    return i;
                }
                i++;
                continue;
            }
            if (!isPrintable(c)) {
                return i;
            }
        }
        return -1;
    }

    private static void appendEscaped(StringBuilder out, CharSequence text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            }
            else if (c < 0x20 || c == 0x7f) {
                appendControl(out, c);
            }
            else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, text.charAt(i + 1));
                i++;
                if (isPrintable(codePoint)) {
                    out.appendCodePoint(codePoint);
                }
                else {
                    out.append("\\u{").append(Integer.toHexString(codePoint)).append('}');
                }
            }
            else if (isPrintable(c)) {
                out.append(c);
            }
            else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
    }

    private static void appendControl(StringBuilder out, char c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            case 0x1b -> out.append("\\e");
            default -> out.append(String.format("\\x%02x", (int) c));
        }
    }

    /** Whether a code point at or above 0x80 may appear in a log line as it is. */
    private static boolean isPrintable(int codePoint) {
        switch (Character.getType(codePoint)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.PRIVATE_USE:
            case Character.SURROGATE:
            case Character.UNASSIGNED:
                return false;
            default:
                return true;
        }
    }
}
