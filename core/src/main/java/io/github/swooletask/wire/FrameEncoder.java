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
        return TaskFrame.HEADER_SIZE + ((route != null) ? 1 + route.length : 0) + payloadLength;
    }

    /**
     * Encodes one task at the start of {@code text}.
     * @param route route bytes from {@link #routeBytes}, or null
     * @param flags payload flags ({@link TaskFlags#SERIALIZE}, {@link TaskFlags#JSON}, {@link TaskFlags#NONBLOCK},
     * {@link TaskFlags#REPLY}); ROUTED and TMPFILE are set here as needed
     * @return the text length to send
     */
    public int encode(ByteBuffer text, int taskId, int fromId, int flags, byte[] route, byte[] payload, int offset,
            int length) {
        int dataLength = ((route != null) ? 1 + route.length : 0) + length;
        if (route != null) {
            flags |= TaskFlags.ROUTED;
        }
        if (dataLength < TaskFrame.SPILL_THRESHOLD) {
            putHeader(text, 0, taskId, dataLength, fromId, flags);
            int at = TaskFrame.HEADER_SIZE;
            if (route != null) {
                text.put(at, (byte) route.length);
                text.put(at + 1, route);
                at += 1 + route.length;
            }
            text.put(at, payload, offset, length);
            return TaskFrame.HEADER_SIZE + dataLength;
        }
        if (dataLength > this.spillFiles.maxPayload()) {
            throw new IllegalArgumentException("payload of " + dataLength + " bytes is over the limit of "
                    + this.spillFiles.maxPayload() + " bytes (swoole.task.max-payload-size)");
        }
        String path = (route != null)
                ? this.spillFiles.write(ByteBuffer.wrap(new byte[] { (byte) route.length }), ByteBuffer.wrap(route),
                        ByteBuffer.wrap(payload, offset, length))
                : this.spillFiles.write(ByteBuffer.wrap(payload, offset, length));
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
     * Appends one small task to a batch being built in {@code text} at {@code at}; the caller checked that it fits.
     * @return the offset after it
     */
    public static int appendToBatch(ByteBuffer text, int at, int taskId, int fromId, int flags, byte[] route,
            byte[] payload, int offset, int length) {
        int dataLength = ((route != null) ? 1 + route.length : 0) + length;
        putHeader(text, at, taskId, dataLength, fromId, flags | ((route != null) ? TaskFlags.ROUTED : 0));
        int p = at + TaskFrame.HEADER_SIZE;
        if (route != null) {
            text.put(p, (byte) route.length);
            text.put(p + 1, route);
            p += 1 + route.length;
        }
        text.put(p, payload, offset, length);
        return p + length;
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
