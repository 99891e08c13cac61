package io.github.swooletask.reply;

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
        EncodedResult plain = serialize ? null : EncodedResult.plain(result);
        if (plain != null) {
            return plain;
        }
        return new EncodedResult(TaskFlags.SERIALIZE, PhpSerializer.write(result));
    }
}
