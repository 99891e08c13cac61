package io.github.swooletask.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.log.LogSafe;

/** Byte keys and field names of the streams, and the parsing of Redis's untyped replies. */
final class RedisKeys {

    /** The field of an entry that holds the frame. */
    static final byte[] FRAME = bytes("frame");

    /** The field of a call's entry that names the stream its result goes to. */
    static final byte[] REPLY_TO = bytes("reply-to");

    private RedisKeys() {
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte @Nullable [] bytes) {
        return (bytes != null) ? new String(bytes, StandardCharsets.UTF_8) : "";
    }

    /** The value of a field of an entry's body (byte keys compare by content), or null. */
    static byte @Nullable [] field(@Nullable Map<byte[], byte[]> body, byte[] name) {
        if (body == null) {
            return null;
        }
        for (Map.Entry<byte[], byte[]> entry : body.entrySet()) {
            if (Arrays.equals(entry.getKey(), name)) {
                return entry.getValue();
            }
        }
        return null;
    }

    /** The field names of a body, for messages. */
    static String fieldNames(@Nullable Map<byte[], byte[]> body) {
        if (body == null || body.isEmpty()) {
            return "none";
        }
        StringBuilder names = new StringBuilder();
        for (byte[] key : body.keySet()) {
            if (names.length() > 0) {
                names.append(", ");
            }
            names.append(printable(text(key)));
        }
        return names.toString();
    }

    /** Text from Redis for a log line: non-printable characters escaped ({@link LogSafe}), cut to 80 characters. */
    static String printable(String text) {
        return LogSafe.escape(text, 80);
    }

    /** An {@code XINFO} entry (a flat list of name, value, name, value, ...) as a map of names to plain values. */
    static Map<String, Object> info(Object raw) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (raw instanceof List<?> list) {
            for (int i = 0; i + 1 < list.size(); i += 2) {
                out.put(plain(list.get(i)).toString(), plain(list.get(i + 1)));
            }
        }
        return out;
    }

    private static Object plain(@Nullable Object value) {
        if (value instanceof byte[] bytes) {
            return text(bytes);
        }
        return (value != null) ? value : "";
    }

    /** A number from an {@code XINFO} map, or -1 when absent or not a number. */
    static long number(Map<String, Object> info, String name) {
        Object value = info.get(name);
        if (value instanceof Number number) {
            return number.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(value));
        }
        catch (NumberFormatException ex) {
            return -1;
        }
    }

    /** The millisecond part of a stream entry id such as {@code 1700000000000-0}. */
    static long millisOf(String id) {
        int dash = id.indexOf('-');
        try {
            return Long.parseLong((dash >= 0) ? id.substring(0, dash) : id);
        }
        catch (NumberFormatException ex) {
            return -1;
        }
    }
}
