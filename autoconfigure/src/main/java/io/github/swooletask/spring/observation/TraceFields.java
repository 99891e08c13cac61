package io.github.swooletask.spring.observation;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The propagated fields of a trace as a frame carries them after the {@code TRACED} flag: {@code name=value} lines,
 * UTF-8.
 */
final class TraceFields {

    private TraceFields() {
    }

    /** The fields as frame bytes, or null when there are none. */
    static byte @Nullable [] encode(Map<String, String> fields) {
        if (fields.isEmpty()) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        fields.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Frame bytes back into fields; lines without a name and {@code =} are skipped. Null gives none. */
    static Map<String, String> decode(byte @Nullable [] bytes) {
        if (bytes == null) {
            return Map.of();
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return fields;
    }
}
