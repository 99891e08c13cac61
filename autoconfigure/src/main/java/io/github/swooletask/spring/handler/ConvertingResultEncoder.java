package io.github.swooletask.spring.handler;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;

import io.github.swooletask.reply.ResultEncoder;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.TaskFlags;

/**
 * Writes a handler's result for the program that asked for it, in the kind of data its request was: PHP
 * {@code serialize()} for a SERIALIZE request, JSON for a JSON request; for a text request a {@code String} as its
 * text, a {@code byte[]} as is, nothing for null, and any other object as JSON (flag JSON).
 */
public final class ConvertingResultEncoder implements ResultEncoder {

    private final TaskPayloadConverter converter;

    public ConvertingResultEncoder(TaskPayloadConverter converter) {
        this.converter = converter;
    }

    @Override
    public EncodedResult encode(DecodedTask request, @Nullable Object result) {
        int flags = request.flags();
        if ((flags & TaskFlags.SERIALIZE) != 0) {
            return new EncodedResult(TaskFlags.SERIALIZE, this.converter.toPhpSerialized(result));
        }
        if ((flags & TaskFlags.JSON) == 0) {
            if (result instanceof String text) {
                return new EncodedResult(0, text.getBytes(StandardCharsets.UTF_8));
            }
            if (result instanceof byte[] bytes) {
                return new EncodedResult(0, bytes);
            }
            if (result == null) {
                return new EncodedResult(0, new byte[0]);
            }
        }
        try {
            return new EncodedResult(TaskFlags.JSON, this.converter.jsonMapper().writeValueAsBytes(result));
        }
        catch (JacksonException ex) {
            throw new IllegalArgumentException("cannot write the result as JSON: " + ex.getOriginalMessage(), ex);
        }
    }
}
