package io.github.swooletask.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes task frames into a message text, spilling data of {@value TaskFrame#SPILL_THRESHOLD} bytes or more to a
 * file. Stateless apart from its {@link SpillFiles}; thread-safe.
 */
public final class FrameEncoder {

    private final SpillFiles spillFiles;

    public FrameEncoder(SpillFiles spillFiles) {
        this.spillFiles = spillFiles;
    }

    /** The encoded form of a route name, to pass to {@link #encode}; names are 1 to 255 bytes of UTF-8. */
    public static byte[] routeBytes(String route) {
        byte[] bytes = route.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > 255) {
            throw new IllegalArgumentException("a task route name must be 1 to 255 bytes of UTF-8, '" + route
                    + "' is " + bytes.length);
        }
        return bytes;
    }

    /** Bytes a frame takes in a batch: header plus route and payload. */
    public static int inlineSize(byte[] route, int payloadLength) {
        return inlineSize(null, route, payloadLength);
    }

    /** Bytes a frame takes in a batch: header plus trace context, route and payload. */
    public static int inlineSize(byte[] trace, byte[] route, int payloadLength) {
        return TaskFrame.HEADER_SIZE + prefixLength(trace, route) + payloadLength;
    }

    /** Encodes one task without trace context; see {@link #encode(ByteBuffer, int, int, int, byte[], byte[], byte[], int, int)}. */
    public int encode(ByteBuffer text, int taskId, int fromId, int flags, byte[] route, byte[] payload, int offset,
            int length) {
        return encode(text, taskId, fromId, flags, null, route, payload, offset, length);
    }

    /**
     * Encodes one task at the start of {@code text}.
     * @param trace trace context ({@code name=value} lines, UTF-8, at most 65535 bytes) or null
     * @param route route bytes from {@link #routeBytes}, or null
     * @param flags payload flags ({@link TaskFlags#SERIALIZE}, {@link TaskFlags#JSON}, {@link TaskFlags#NONBLOCK},
     * {@link TaskFlags#REPLY}); TRACED, ROUTED and TMPFILE are set here as needed
     * @return the text length to send
     */
    public int encode(ByteBuffer text, int taskId, int fromId, int flags, byte[] trace, byte[] route,
            byte[] payload, int offset, int length) {
        int prefix = prefixLength(trace, route);
        int dataLength = prefix + length;
        flags |= prefixFlags(trace, route);
        if (dataLength < TaskFrame.SPILL_THRESHOLD) {
            putHeader(text, 0, taskId, dataLength, fromId, flags);
            int at = writePrefix(text, TaskFrame.HEADER_SIZE, trace, route);
            text.put(at, payload, offset, length);
            return TaskFrame.HEADER_SIZE + dataLength;
        }
        if (dataLength > this.spillFiles.maxPayload()) {
            throw new IllegalArgumentException("payload of " + dataLength + " bytes is over the limit of "
                    + this.spillFiles.maxPayload() + " bytes (swoole.task.max-payload-size)");
        }
        String path;
        if (prefix > 0) {
            ByteBuffer head = ByteBuffer.allocate(prefix).order(text.order());
            writePrefix(head, 0, trace, route);
            path = this.spillFiles.write(head, ByteBuffer.wrap(payload, offset, length));
        }
        else {
            path = this.spillFiles.write(ByteBuffer.wrap(payload, offset, length));
        }
        putHeader(text, 0, taskId, TaskFrame.SPILL_LENGTH, fromId, flags | TaskFlags.TMPFILE);
        int body = TaskFrame.HEADER_SIZE;
        text.putInt(body, dataLength);
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        text.put(body + 4, pathBytes);
        for (int i = body + 4 + pathBytes.length; i < body + TaskFrame.SPILL_LENGTH; i++) {
            text.put(i, (byte) 0);
        }
        return TaskFrame.HEADER_SIZE + TaskFrame.SPILL_LENGTH;
    }

    /**
     * Deletes the spill file of a frame this encoder wrote at the start of {@code text}, if it has one: for a frame
     * that could not be queued, whose file no message will ever claim.
     */
    public void discardSpill(ByteBuffer text) {
        if ((text.getShort(TaskFrame.OFFSET_FLAGS) & TaskFlags.TMPFILE) == 0) {
            return;
        }
        String path = TaskFrame.spillPath(text, TaskFrame.HEADER_SIZE, TaskFrame.SPILL_LENGTH);
        if (path != null) {
            this.spillFiles.discard(path);
        }
    }

    /** Appends one small task without trace context to a batch; see the full form. */
    public static int appendToBatch(ByteBuffer text, int at, int taskId, int fromId, int flags, byte[] route,
            byte[] payload, int offset, int length) {
        return appendToBatch(text, at, taskId, fromId, flags, null, route, payload, offset, length);
    }

    /**
     * Appends one small task to a batch being built in {@code text} at {@code at}; the caller checked that it fits.
     * @return the offset after it
     */
    public static int appendToBatch(ByteBuffer text, int at, int taskId, int fromId, int flags, byte[] trace,
            byte[] route, byte[] payload, int offset, int length) {
        int dataLength = prefixLength(trace, route) + length;
        putHeader(text, at, taskId, dataLength, fromId, flags | prefixFlags(trace, route));
        int p = writePrefix(text, at + TaskFrame.HEADER_SIZE, trace, route);
        text.put(p, payload, offset, length);
        return p + length;
    }

    private static int prefixLength(byte[] trace, byte[] route) {
        return ((trace != null) ? 2 + trace.length : 0) + ((route != null) ? 1 + route.length : 0);
    }

    private static int prefixFlags(byte[] trace, byte[] route) {
        return ((trace != null) ? TaskFlags.TRACED : 0) | ((route != null) ? TaskFlags.ROUTED : 0);
    }

    /** Writes {@code [uint16 n | trace][uint8 n | route]} at {@code at}; returns the offset after it. */
    private static int writePrefix(ByteBuffer text, int at, byte[] trace, byte[] route) {
        if (trace != null) {
            if (trace.length > 0xFFFF) {
                throw new IllegalArgumentException("trace context of " + trace.length + " bytes is over 65535");
            }
            text.putShort(at, (short) trace.length);
            text.put(at + 2, trace);
            at += 2 + trace.length;
        }
        if (route != null) {
            text.put(at, (byte) route.length);
            text.put(at + 1, route);
            at += 1 + route.length;
        }
        return at;
    }

    /** Writes the header of a batch whose frames take {@code dataLength} bytes after it. */
    public static void putBatchHeader(ByteBuffer text, int dataLength) {
        putHeader(text, 0, 0, dataLength, 0, TaskFlags.BATCH | TaskFlags.NONBLOCK);
    }

    /** Writes a wake-up frame; returns its length. */
    public static int encodeWake(ByteBuffer text) {
        text.putInt(TaskFrame.OFFSET_TASK_ID, 0);
        text.putShort(TaskFrame.OFFSET_LENGTH, (short) 0);
        text.putShort(TaskFrame.OFFSET_FROM_ID, (short) 0);
        text.put(TaskFrame.OFFSET_TYPE, (byte) TaskFrame.TYPE_WAKE);
        text.put(TaskFrame.OFFSET_RESERVED, (byte) 0);
        text.putShort(TaskFrame.OFFSET_FLAGS, (short) 0);
        return TaskFrame.HEADER_SIZE;
    }

    private static void putHeader(ByteBuffer text, int at, int taskId, int dataLength, int fromId, int flags) {
        text.putInt(at + TaskFrame.OFFSET_TASK_ID, taskId);
        text.putShort(at + TaskFrame.OFFSET_LENGTH, (short) dataLength);
        text.putShort(at + TaskFrame.OFFSET_FROM_ID, (short) fromId);
        text.put(at + TaskFrame.OFFSET_TYPE, (byte) TaskFrame.TYPE_TASK);
        text.put(at + TaskFrame.OFFSET_RESERVED, (byte) 0);
        text.putShort(at + TaskFrame.OFFSET_FLAGS, (short) flags);
    }
}
