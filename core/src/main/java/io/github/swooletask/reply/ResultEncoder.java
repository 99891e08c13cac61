package io.github.swooletask.reply;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.DecodedTask;

/**
 * Turns a handler's result into the payload of the reply to another program: PHP {@code serialize()} when the
 * request was SERIALIZE, JSON when it was JSON, the string otherwise. Thread-safe.
 */
@FunctionalInterface
public interface ResultEncoder {

    /**
     * @param request the task the result answers
     * @param result what the handler returned (null for void)
     * @throws IllegalArgumentException when the result cannot be written the way the request asks
     */
    EncodedResult encode(DecodedTask request, @Nullable Object result);

    /**
     * A reply payload.
     *
     * @param flags its payload flags: {@code SERIALIZE}, {@code JSON} or none
     * @param bytes the payload
     */
    record EncodedResult(int flags, byte[] bytes) {

        /**
         * A result as it travels with no payload flag: a {@code String} as UTF-8, a {@code byte[]} as it is, null
         * (void) as nothing; null for any other result, which needs {@code SERIALIZE} or {@code JSON}.
         */
        public static @Nullable EncodedResult plain(@Nullable Object result) {
            if (result instanceof String text) {
                return new EncodedResult(0, text.getBytes(StandardCharsets.UTF_8));
            }
            if (result instanceof byte[] bytes) {
                return new EncodedResult(0, bytes);
            }
            return (result == null) ? new EncodedResult(0, new byte[0]) : null;
        }
    }
}
