package io.github.swooletask.test;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.WireFormat;

/**
 * One task the application put on the in-memory transport, as a worker will read it.
 *
 * @param taskId the id the dispatcher gave it
 * @param name the task name, or null for the default handler
 * @param flags its flag bits ({@link TaskFlags}): the payload's kind ({@link TaskFlags#JSON},
 * {@link TaskFlags#SERIALIZE} or none) and what the dispatcher added
 * @param format the layout it was written in ({@code swoole.task.wire-format})
 * @param workerId the worker it was addressed to in ipc-mode 2, or -1 for any
 * @param payload its payload, read from the spill file when it was spilled
 */
public record DispatchedTask(int taskId, @Nullable String name, int flags, WireFormat format, int workerId,
        byte[] payload) {

    /** The payload as UTF-8 text: the text of a {@code String}, the JSON of an object. */
    public String text() {
        return new String(this.payload, StandardCharsets.UTF_8);
    }

    /** Whether the payload is JSON (an object dispatched in the 12-byte layout). */
    public boolean isJson() {
        return (this.flags & TaskFlags.JSON) != 0;
    }

    /** Whether the payload is PHP {@code serialize()} data. */
    public boolean isSerialized() {
        return (this.flags & TaskFlags.SERIALIZE) != 0;
    }

    @Override
    public String toString() {
        return "task " + this.taskId + ((this.name != null) ? " '" + this.name + "'" : " (default)") + ": " + text();
    }
}
