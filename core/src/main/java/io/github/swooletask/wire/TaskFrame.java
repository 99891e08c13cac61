package io.github.swooletask.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * The layout of a task message, byte for byte what Swoole 1.7.2's task workers and its external PHP client use
 * (host byte order):
 * <pre>
 * offset 0  int32  task id
 * offset 4  uint16 data length (152 for a spilled payload)
 * offset 6  int16  from id
 * offset 8  uint8  type (7 = task)
 * offset 9  uint8  reserved (0)
 * offset 10 uint16 flags ({@link TaskFlags})
 * offset 12        data
 * </pre>
 */
public final class TaskFrame {

    /** Bytes of header before the data. */
    public static final int HEADER_SIZE = 12;

    /** Largest message text: Linux's default {@code kernel.msgmax}. */
    public static final int MAX_MESSAGE_SIZE = 8192;

    /** Largest data carried inline; data of {@value} bytes or more is spilled to a file. */
    public static final int MAX_INLINE_DATA = MAX_MESSAGE_SIZE - HEADER_SIZE - 1;

    /** Data size from which a payload is spilled to a file (8180). */
    public static final int SPILL_THRESHOLD = MAX_MESSAGE_SIZE - HEADER_SIZE;

    /** The length field of a spilled message, whatever the payload's size (Swoole's {@code 128 + 24}). */
    public static final int SPILL_LENGTH = 152;

    /** Longest spill path: the spill body is {@code int32 length | path | NUL} within {@link #SPILL_LENGTH} bytes. */
    public static final int MAX_SPILL_PATH = SPILL_LENGTH - 4 - 1;

    /** Frame type of a task ({@code SW_EVENT_TASK}). */
    public static final int TYPE_TASK = 7;

    /**
     * Frame type of this project's wake-up frame: no task, sent only to wake a blocked worker on pause or stop, and
     * dropped by every worker that reads it.
     */
    public static final int TYPE_WAKE = 0xF0;

    public static final int OFFSET_TASK_ID = 0;

    public static final int OFFSET_LENGTH = 4;

    public static final int OFFSET_FROM_ID = 6;

    public static final int OFFSET_TYPE = 8;

    public static final int OFFSET_RESERVED = 9;

    public static final int OFFSET_FLAGS = 10;

    private TaskFrame() {
    }

    /**
     * The path in a spill body ({@code int32 length | path | NUL}) at {@code [bodyOffset, bodyOffset + bodyLength)},
     * or null when it is empty or not NUL-terminated.
     */
    public static @Nullable String spillPath(ByteBuffer text, int bodyOffset, int bodyLength) {
        return nulTerminated(text, bodyOffset + 4, bodyOffset + bodyLength);
    }

    /** The UTF-8 text from {@code start} up to the first NUL before {@code end}; null if empty or no NUL. */
    static @Nullable String nulTerminated(ByteBuffer text, int start, int end) {
        for (int i = start; i < end; i++) {
            if (text.get(i) == 0) {
                if (i == start) {
                    return null;
                }
                byte[] path = new byte[i - start];
                text.get(start, path);
                return new String(path, StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
