package io.github.swooletask.reply;

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
    }
}
