package io.github.swooletask.spring.retry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import io.github.swooletask.spring.DeadLetter;
import io.github.swooletask.spring.FailedTask;

/**
 * The content of a dead-letter file: {@code key: value} text lines (task id, name, flags, handler, attempts, time,
 * reason), an empty line, then the raw payload bytes. Values have control characters and backslashes written as
 * {@code \xNN}, so that no value adds a line, and read back as they were.
 */
final class DeadLetterFile {

    private static final String[] KEYS = { "task-id", "name", "flags", "handler", "attempts", "reason" };

    private DeadLetterFile() {
    }

    /** The header lines of a failed task, the empty line included. */
    static byte[] header(FailedTask task) {
        StringBuilder header = new StringBuilder();
        header.append("task-id: ").append(task.taskId()).append('\n');
        header.append("name: ").append(escape(task.route())).append('\n');
        header.append("flags: ").append(task.flags()).append('\n');
        header.append("handler: ").append(escape(task.handler())).append('\n');
        header.append("attempts: ").append(task.attempts()).append('\n');
        header.append("time: ").append(Instant.now()).append('\n');
        header.append("reason: ").append(escape(String.valueOf(task.failure()))).append('\n');
        header.append('\n');
        return header.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A dead letter read back from a file's content.
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    static DeadLetter read(String id, byte[] content) {
        int end = headerEnd(content);
        if (end < 0) {
            throw new IllegalArgumentException("no empty line ends the header");
        }
        Map<String, String> values = new HashMap<>();
        for (String line : new String(content, 0, end, StandardCharsets.UTF_8).split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                values.put(line.substring(0, colon), unescape(line.substring(colon + 2)));
            }
            else if (line.endsWith(":")) {
                values.put(line.substring(0, line.length() - 1), "");
            }
        }
        for (String key : KEYS) {
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("the header has no '" + key + "' line");
            }
        }
        String name = values.get("name");
        return new DeadLetter(id, (int) number(values, "task-id", Integer.MIN_VALUE, Integer.MAX_VALUE),
                name.isEmpty() ? null : name, (int) number(values, "flags", 0, 0xFFFF), values.get("handler"),
                number(values, "attempts", 0, Long.MAX_VALUE), values.get("reason"),
                Arrays.copyOfRange(content, end + 2, content.length));
    }

    /** The index of the header's last line feed, the one before the empty line; -1 when there is none. */
    private static int headerEnd(byte[] content) {
        for (int i = 0; i + 1 < content.length; i++) {
            if (content[i] == '\n' && content[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static long number(Map<String, String> values, String key, long min, long max) {
        try {
            long value = Long.parseLong(values.get(key).trim());
            if (value >= min && value <= max) {
                return value;
            }
        }
        catch (NumberFormatException ex) {
            // named below
        }
        throw new IllegalArgumentException("the header's '" + key + "' is not a number from " + min + " to " + max
                + ": " + values.get(key));
    }

    /** Control characters and backslashes as {@code \xNN}: a value stays one line and reads back as it was. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder line = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                line.append(String.format("\\x%02x", (int) c));
            }
            else {
                line.append(c);
            }
        }
        return line.toString();
    }

    private static String unescape(String text) {
        if (text.indexOf('\\') < 0) {
            return text;
        }
        StringBuilder value = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 3 < text.length() && text.charAt(i + 1) == 'x') {
                try {
                    value.append((char) Integer.parseInt(text.substring(i + 2, i + 4), 16));
                    i += 3;
                    continue;
                }
                catch (NumberFormatException ex) {
                    // not an escape of ours: taken as written
                }
            }
            value.append(c);
        }
        return value.toString();
    }
}
