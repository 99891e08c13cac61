package io.github.swooletask.reply;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.php.PhpSerializer;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.TaskFlags;

/**
 * The result encoder of plain Java, without a JSON library: a {@code String} travels as its UTF-8 text and a
 * {@code byte[]} as is, unless the request was SERIALIZE; everything else (and everything for a SERIALIZE request)
 * as PHP {@code serialize()} of plain values (maps, lists, strings, numbers, booleans, null). The Spring
 * integration replaces it with one that also writes JSON.
 */
public final class BasicResultEncoder implements ResultEncoder {

    @Override
    public EncodedResult encode(DecodedTask request, @Nullable Object result) {
        boolean serialize = (request.flags() & TaskFlags.SERIALIZE) != 0;
        if (!serialize) {
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
        return new EncodedResult(TaskFlags.SERIALIZE, PhpSerializer.write(result));
    }
}
