package io.github.swooletask.spring.handler;

import io.github.swooletask.wire.TaskFlags;

/**
 * A Java payload as it travels.
 *
 * @param flags its payload flags: {@link TaskFlags#SERIALIZE}, {@link TaskFlags#JSON} or none (text, raw bytes)
 * @param bytes the payload
 */
public record EncodedPayload(int flags, byte[] bytes) {
}
