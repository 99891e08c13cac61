package io.github.swooletask.wire;

/**
 * Flag bits of a task frame: the {@code flags} of the 12-byte header and the {@code ext_flags} of the 40-byte one.
 * The low byte is Swoole's; the bits from {@link #JSON} up are this project's own.
 */
public final class TaskFlags {

    /** The data is {@code int32 length | path | NUL} naming a spill file that holds the payload. */
    public static final int TMPFILE = 1;

    /** The payload is PHP {@code serialize()} output. */
    public static final int SERIALIZE = 2;

    /** No reply is wanted (set by the PHP client on every task). */
    public static final int NONBLOCK = 4;

    /** Swoole 4.8+: the task worker must not send its result back (external producers set it with NONBLOCK). */
    public static final int NOREPLY = 128;

    /** Swoole's later bits (callback, waitall, coroutine, peek, noreply): accepted and ignored. */
    public static final int SWOOLE_RESERVED = 8 | 16 | 32 | 64 | NOREPLY;

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

    /**
     * Another program waits for the result: the data starts with {@code int32 reply_key | int64 reply_mtype}, the
     * System V queue and message type the reply goes to, before any other prefix.
     */
    public static final int REPLY_TO = 0x2000;

    /** In a reply: the handler failed, and the data is its error as UTF-8 text. */
    public static final int FAILED = 0x4000;

    /** Every bit a frame may carry. */
    public static final int KNOWN = TMPFILE | SERIALIZE | NONBLOCK | SWOOLE_RESERVED | JSON | ROUTED | BATCH | REPLY
            | TRACED | REPLY_TO | FAILED;

    private TaskFlags() {
    }

    /** Whether {@code flags} has every bit of {@code flag}. */
    public static boolean has(int flags, int flag) {
        return (flags & flag) == flag;
    }
}
