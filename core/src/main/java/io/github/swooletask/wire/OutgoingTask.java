package io.github.swooletask.wire;

import org.jspecify.annotations.Nullable;

/**
 * One task on its way from a dispatcher to the encoder: what the caller chose, before the dispatcher gives it an id.
 *
 * @param name the task name that routes it to a handler, or null for the default handler
 * @param flags payload flags: {@link TaskFlags#SERIALIZE}, {@link TaskFlags#JSON} or none
 * @param trace trace context bytes ({@code name=value} lines, UTF-8, at most 65535 bytes), or null
 * @param payload the payload bytes; not copied, so the caller must not change them until the dispatch returned
 * @param target the worker to run it in ipc-mode 2 (0-based), or {@link #ANY_WORKER}
 */
public record OutgoingTask(@Nullable TaskName name, int flags, byte @Nullable [] trace, byte[] payload, int target) {

    /** The target of a task any worker may run. */
    public static final int ANY_WORKER = -1;

    public OutgoingTask {
        if ((flags & ~(TaskFlags.SERIALIZE | TaskFlags.JSON)) != 0) {
            throw new IllegalArgumentException(String.format("payload flags are SERIALIZE and JSON only, were 0x%04x",
                    flags));
        }
        if (trace != null && trace.length > 0xFFFF) {
            throw new IllegalArgumentException("trace context of " + trace.length + " bytes is over 65535");
        }
    }

    /** A task for the default handler, any worker, no trace. */
    public static OutgoingTask of(int flags, byte[] payload) {
        return new OutgoingTask(null, flags, null, payload, ANY_WORKER);
    }

    /** A task for the handler of {@code name} (null: the default handler), any worker, no trace. */
    public static OutgoingTask of(@Nullable TaskName name, int flags, byte[] payload) {
        return new OutgoingTask(name, flags, null, payload, ANY_WORKER);
    }

    /** The same task for worker {@code worker}. */
    public OutgoingTask to(int worker) {
        return new OutgoingTask(this.name, this.flags, this.trace, this.payload, worker);
    }

    /** The same task carrying trace context (null: none). */
    public OutgoingTask withTrace(byte @Nullable [] trace) {
        return new OutgoingTask(this.name, this.flags, trace, this.payload, this.target);
    }

    /** Bytes before the payload in the frame's data: trace context and name with their lengths. */
    int prefixLength() {
        return ((this.trace != null) ? 2 + this.trace.length : 0)
                + ((this.name != null) ? this.name.encodedLength() : 0);
    }

    /** The flags the prefix adds: {@link TaskFlags#TRACED}, {@link TaskFlags#ROUTED}. */
    int prefixFlags() {
        return ((this.trace != null) ? TaskFlags.TRACED : 0) | ((this.name != null) ? TaskFlags.ROUTED : 0);
    }

    /** Bytes the task's frame takes when carried whole in a batch. */
    public int inlineSize() {
        return TaskFrame.HEADER_SIZE + prefixLength() + this.payload.length;
    }
}
