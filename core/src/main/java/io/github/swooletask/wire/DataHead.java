package io.github.swooletask.wire;

import java.nio.ByteBuffer;

import org.jspecify.annotations.Nullable;

/**
 * The 40-byte task header of Swoole 4.8 to 6.x (Swoole's {@code DataHead}), host byte order:
 * <pre>
 * offset 0  int64  fd          the task id
 * offset 8  uint64 msg_id      0
 * offset 16 uint32 len         bytes of data after the header (264 for a spilled payload)
 * offset 20 int16  reactor_id  the dispatching worker's id
 * offset 22 uint8  type        7 (4.8 to 6.0) or 8 (6.1 and later) for a task
 * offset 23 uint8  flags       chunk flags, 0 for tasks
 * offset 24 uint16 server_fd   0
 * offset 26 uint16 ext_flags   task flags ({@link TaskFlags})
 * offset 28 uint32 reserved    0
 * offset 32 double time        dispatch time in seconds, may be 0
 * offset 40        data
 * </pre>
 * A spilled payload's data is {@code uint64 length | path}, the path NUL-padded to 256 bytes.
 */
public final class DataHead {

    public static final int HEADER_SIZE = 40;

    /** Most data carried inline: {@value TaskFrame#MAX_MESSAGE_SIZE} - 40. More is spilled. */
    public static final int MAX_INLINE_DATA = TaskFrame.MAX_MESSAGE_SIZE - HEADER_SIZE;

    /** Bytes of the path field in a spill body. */
    public static final int SPILL_PATH_FIELD = 256;

    /** The length field of a spilled message: {@code uint64 length} and the 256-byte path field. */
    public static final int SPILL_LENGTH = 8 + SPILL_PATH_FIELD;

    public static final int OFFSET_FD = 0;

    public static final int OFFSET_MSG_ID = 8;

    public static final int OFFSET_LEN = 16;

    public static final int OFFSET_REACTOR_ID = 20;

    public static final int OFFSET_TYPE = 22;

    public static final int OFFSET_CHUNK_FLAGS = 23;

    public static final int OFFSET_SERVER_FD = 24;

    public static final int OFFSET_EXT_FLAGS = 26;

    public static final int OFFSET_RESERVED = 28;

    public static final int OFFSET_TIME = 32;

    /** A task in Swoole 4.8 to 6.0. */
    public static final int TYPE_TASK_4_8 = 7;

    /** A task in Swoole 6.1 and later. */
    public static final int TYPE_TASK_6_1 = 8;

    /** Swoole 4.8 to 6.0's pipe message, not a task. */
    public static final int TYPE_PIPE_MESSAGE_4_8 = 9;

    /** Swoole 6.1's pipe message, not a task. */
    public static final int TYPE_PIPE_MESSAGE_6_1 = 10;

    /** Swoole 4.8 to 6.0's shutdown of a task worker. */
    public static final int TYPE_SHUTDOWN_4_8 = 15;

    /** Swoole 6.1's shutdown of a task worker. */
    public static final int TYPE_SHUTDOWN_6_1 = 16;

    private DataHead() {
    }

    /**
     * The path in a spill body ({@code uint64 length | path}, NUL-padded) at {@code bodyOffset}, or null when it is
     * empty or not NUL-terminated within the 256-byte field.
     */
    public static @Nullable String spillPath(ByteBuffer frame, int bodyOffset) {
        return TaskFrame.nulTerminated(frame, bodyOffset + 8, bodyOffset + SPILL_LENGTH);
    }
}
