package io.github.swooletask.wire;

/**
 * Flag bits of a task frame. The low byte is Swoole's; the bits from {@link #JSON} up are this project's own and
 * are set only by Java dispatchers.
 */
public final class TaskFlags {

    /** The data is {@code int32 length | path | NUL} naming a spill file that holds the payload. */
    public static final int TMPFILE = 1;

    /** The payload is PHP {@code serialize()} output. */
    public static final int SERIALIZE = 2;

    /** No reply is wanted (set by the PHP client on every task). */
    public static final int NONBLOCK = 4;

    /** Swoole's later bits (callback, waitall, coroutine, peek, noreply): accepted and ignored. */
    public static final int SWOOLE_RESERVED = 8 | 16 | 32 | 64 | 128;

    /** The payload is JSON text (a Java object dispatched by {@code TaskTemplate}). */
    public static final int JSON = 0x0100;

    /** The data starts with {@code uint8 n | n bytes of UTF-8 route name}, then the payload. */
    public static final int ROUTED = 0x0200;

    /** The data is a sequence of whole frames (header and data each, no spill), several tasks in one message. */
    public static final int BATCH = 0x0400;

    /** A caller in the dispatching process waits for the result; {@code from id} names that dispatcher. */
    public static final int REPLY = 0x0800;

    /**
     * The data starts with {@code uint16 n | n bytes} of trace context ({@code name=value} lines, UTF-8), before
     * the route if any.
     */
    public static final int TRACED = 0x1000;

    /** Every bit a frame may carry. */
    public static final int KNOWN = TMPFILE | SERIALIZE | NONBLOCK | SWOOLE_RESERVED | JSON | ROUTED | BATCH | REPLY
            | TRACED;

    private TaskFlags() {
    }

    /** Whether {@code flags} has every bit of {@code flag}. */
    public static boolean has(int flags, int flag) {
        return (flags & flag) == flag;
    }
}
