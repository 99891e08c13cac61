package io.github.swooletask.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * Writes task frames into a frame buffer, spilling data of {@value TaskFrame#SPILL_THRESHOLD} bytes or more to a
 * file. Stateless apart from its {@link SpillFiles}; thread-safe.
 */
public final class FrameEncoder {

    private final SpillFiles spillFiles;

    public FrameEncoder(SpillFiles spillFiles) {
        this.spillFiles = spillFiles;
    }

    /**
     * Encodes one task at the start of {@code frame}.
     * @param deliveryFlags flags the dispatcher adds ({@link TaskFlags#NONBLOCK}, {@link TaskFlags#REPLY}); the
     * task's payload flags and TRACED, ROUTED and TMPFILE are set here as needed
     * @return the frame's length
     * @throws IllegalArgumentException when the data is over the spill files' payload limit
     */
    public int encode(ByteBuffer frame, OutgoingTask task, int taskId, int fromId, int deliveryFlags) {
        return encode(frame, WireFormat.SWOOLE_1_7, task, taskId, fromId, deliveryFlags);
    }

    /**
     * Encodes one task at the start of {@code frame} in the given layout. In the 40-byte layouts the task id goes to
     * {@code fd}, the from id to {@code reactor_id}, the flags to {@code ext_flags}, the time is now, and a payload
     * of more than 8152 bytes is spilled with Swoole's spill body.
     * @see #encode(ByteBuffer, OutgoingTask, int, int, int)
     */
    public int encode(ByteBuffer frame, WireFormat format, OutgoingTask task, int taskId, int fromId,
            int deliveryFlags) {
        if (format.isDataHead()) {
            return encodeDataHead(frame, format, task, taskId, fromId, deliveryFlags);
        }
        byte[] payload = task.payload();
        int prefix = task.prefixLength();
        int dataLength = prefix + payload.length;
        int flags = task.flags() | deliveryFlags | task.prefixFlags();
        if (dataLength < TaskFrame.SPILL_THRESHOLD) {
            putHeader(frame, 0, taskId, dataLength, fromId, flags);
            int at = writePrefix(frame, TaskFrame.HEADER_SIZE, task);
            frame.put(at, payload);
            return TaskFrame.HEADER_SIZE + dataLength;
        }
        String path = spill(frame, task, prefix, dataLength);
        putHeader(frame, 0, taskId, TaskFrame.SPILL_LENGTH, fromId, flags | TaskFlags.TMPFILE);
        int body = TaskFrame.HEADER_SIZE;
        frame.putInt(body, dataLength);
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        frame.put(body + 4, pathBytes);
        for (int i = body + 4 + pathBytes.length; i < body + TaskFrame.SPILL_LENGTH; i++) {
            frame.put(i, (byte) 0);
        }
        return TaskFrame.HEADER_SIZE + TaskFrame.SPILL_LENGTH;
    }

    /**
     * Bytes of data (prefixes and payload) a task takes; a frame {@link #encodeInline inline} is this plus the header.
     */
    public static int dataLength(OutgoingTask task) {
        return task.prefixLength() + task.payload().length;
    }

    /**
     * Encodes one task at the start of {@code frame} without a spill file whatever its size, for a transport that
     * carries large frames (hosts share no spill directory): in the 12-byte layout while the data fits its
     * {@code uint16} length field and the format is swoole-1.7, otherwise in the 40-byte layout of the given format
     * (swoole-6.1 for swoole-1.7). The caller made room for the header and {@link #dataLength} bytes.
     */
    public static int encodeInline(ByteBuffer frame, WireFormat format, OutgoingTask task, int taskId, int fromId,
            int deliveryFlags) {
        int dataLength = dataLength(task);
        int flags = task.flags() | deliveryFlags | task.prefixFlags();
        if (format == WireFormat.SWOOLE_1_7 && dataLength <= 0xFFFF) {
            putHeader(frame, 0, taskId, dataLength, fromId, flags);
            int at = writePrefix(frame, TaskFrame.HEADER_SIZE, task);
            frame.put(at, task.payload());
            return TaskFrame.HEADER_SIZE + dataLength;
        }
        putDataHead(frame, format.isDataHead() ? format : WireFormat.SWOOLE_6_1, taskId, dataLength, fromId, flags);
        int at = writePrefix(frame, DataHead.HEADER_SIZE, task);
        frame.put(at, task.payload());
        return DataHead.HEADER_SIZE + dataLength;
    }

    private int encodeDataHead(ByteBuffer frame, WireFormat format, OutgoingTask task, int taskId, int fromId,
            int deliveryFlags) {
        byte[] payload = task.payload();
        int prefix = task.prefixLength();
        int dataLength = prefix + payload.length;
        int flags = task.flags() | deliveryFlags | task.prefixFlags();
        if (!format.spills(dataLength)) {
            putDataHead(frame, format, taskId, dataLength, fromId, flags);
            int at = writePrefix(frame, DataHead.HEADER_SIZE, task);
            frame.put(at, payload);
            return DataHead.HEADER_SIZE + dataLength;
        }
        String path = spill(frame, task, prefix, dataLength);
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        if (pathBytes.length >= DataHead.SPILL_PATH_FIELD) {
            this.spillFiles.discard(path);
            throw new IllegalStateException("spill path " + path + " does not fit the 256-byte path field");
        }
        putDataHead(frame, format, taskId, DataHead.SPILL_LENGTH, fromId, flags | TaskFlags.TMPFILE);
        int body = DataHead.HEADER_SIZE;
        frame.putLong(body, dataLength);
        frame.put(body + 8, pathBytes);
        for (int i = body + 8 + pathBytes.length; i < body + DataHead.SPILL_LENGTH; i++) {
            frame.put(i, (byte) 0);
        }
        return DataHead.HEADER_SIZE + DataHead.SPILL_LENGTH;
    }

    private String spill(ByteBuffer frame, OutgoingTask task, int prefix, int dataLength) {
        if (dataLength > this.spillFiles.maxPayload()) {
            throw new IllegalArgumentException("payload of " + dataLength + " bytes is over the limit of "
                    + this.spillFiles.maxPayload() + " bytes (the largest payload accepted)");
        }
        if (prefix == 0) {
            return this.spillFiles.write(ByteBuffer.wrap(task.payload()));
        }
        ByteBuffer head = ByteBuffer.allocate(prefix).order(frame.order());
        writePrefix(head, 0, task);
        return this.spillFiles.write(head, ByteBuffer.wrap(task.payload()));
    }

    /**
     * Deletes the spill file of a 12-byte frame this encoder wrote at the start of {@code frame}, if it has one:
     * for a frame that could not be queued, whose file no message will ever claim.
     */
    public void discardSpill(ByteBuffer frame) {
        discardSpill(frame, WireFormat.SWOOLE_1_7);
    }

    /** Like {@link #discardSpill(ByteBuffer)} for a frame in the given layout. */
    public void discardSpill(ByteBuffer frame, WireFormat format) {
        String path = spillPathOf(frame, format);
        if (path != null) {
            this.spillFiles.discard(path);
        }
    }

    /** The spill file of a frame this encoder wrote at the start of {@code frame}, or null when it has none. */
    public static @Nullable String spillPathOf(ByteBuffer frame, WireFormat format) {
        if (format.isDataHead()) {
            return ((frame.getShort(DataHead.OFFSET_EXT_FLAGS) & TaskFlags.TMPFILE) != 0)
                    ? DataHead.spillPath(frame, DataHead.HEADER_SIZE) : null;
        }
        return ((frame.getShort(TaskFrame.OFFSET_FLAGS) & TaskFlags.TMPFILE) != 0)
                ? TaskFrame.spillPath(frame, TaskFrame.HEADER_SIZE, TaskFrame.SPILL_LENGTH) : null;
    }

    /**
     * Appends one small task to a batch being built in {@code frame} at {@code at}; the caller checked that its
     * {@link OutgoingTask#inlineSize()} fits.
     * @param deliveryFlags as for {@link #encode}
     * @return the offset after it
     */
    public static int appendToBatch(ByteBuffer frame, int at, OutgoingTask task, int taskId, int fromId,
            int deliveryFlags) {
        byte[] payload = task.payload();
        int dataLength = task.prefixLength() + payload.length;
        putHeader(frame, at, taskId, dataLength, fromId, task.flags() | deliveryFlags | task.prefixFlags());
        int p = writePrefix(frame, at + TaskFrame.HEADER_SIZE, task);
        frame.put(p, payload);
        return p + payload.length;
    }

    /** Writes {@code [uint16 n | trace][uint8 n | name]} at {@code at}; returns the offset after it. */
    private static int writePrefix(ByteBuffer frame, int at, OutgoingTask task) {
        byte @Nullable [] trace = task.trace();
        if (trace != null) {
            frame.putShort(at, (short) trace.length);
            frame.put(at + 2, trace);
            at += 2 + trace.length;
        }
        TaskName name = task.name();
        if (name != null) {
            byte[] bytes = name.bytes();
            frame.put(at, (byte) bytes.length);
            frame.put(at + 1, bytes);
            at += 1 + bytes.length;
        }
        return at;
    }

    /** Writes the header of a batch whose frames take {@code dataLength} bytes after it. */
    public static void putBatchHeader(ByteBuffer frame, int dataLength) {
        putHeader(frame, 0, 0, dataLength, 0, TaskFlags.BATCH | TaskFlags.NONBLOCK);
    }

    /** Writes a wake-up frame; returns its length. */
    public static int encodeWake(ByteBuffer frame) {
        frame.putInt(TaskFrame.OFFSET_TASK_ID, 0);
        frame.putShort(TaskFrame.OFFSET_LENGTH, (short) 0);
        frame.putShort(TaskFrame.OFFSET_FROM_ID, (short) 0);
        frame.put(TaskFrame.OFFSET_TYPE, (byte) TaskFrame.TYPE_WAKE);
        frame.put(TaskFrame.OFFSET_RESERVED, (byte) 0);
        frame.putShort(TaskFrame.OFFSET_FLAGS, (short) 0);
        return TaskFrame.HEADER_SIZE;
    }

    private static void putDataHead(ByteBuffer frame, WireFormat format, int taskId, int dataLength, int fromId,
            int flags) {
        frame.putLong(DataHead.OFFSET_FD, taskId);
        frame.putLong(DataHead.OFFSET_MSG_ID, 0);
        frame.putInt(DataHead.OFFSET_LEN, dataLength);
        frame.putShort(DataHead.OFFSET_REACTOR_ID, (short) fromId);
        frame.put(DataHead.OFFSET_TYPE, (byte) format.taskType());
        frame.put(DataHead.OFFSET_CHUNK_FLAGS, (byte) 0);
        frame.putShort(DataHead.OFFSET_SERVER_FD, (short) 0);
        frame.putShort(DataHead.OFFSET_EXT_FLAGS, (short) flags);
        frame.putInt(DataHead.OFFSET_RESERVED, 0);
        frame.putDouble(DataHead.OFFSET_TIME, System.currentTimeMillis() / 1000.0);
    }

    private static void putHeader(ByteBuffer frame, int at, int taskId, int dataLength, int fromId, int flags) {
        frame.putInt(at + TaskFrame.OFFSET_TASK_ID, taskId);
        frame.putShort(at + TaskFrame.OFFSET_LENGTH, (short) dataLength);
        frame.putShort(at + TaskFrame.OFFSET_FROM_ID, (short) fromId);
        frame.put(at + TaskFrame.OFFSET_TYPE, (byte) TaskFrame.TYPE_TASK);
        frame.put(at + TaskFrame.OFFSET_RESERVED, (byte) 0);
        frame.putShort(at + TaskFrame.OFFSET_FLAGS, (short) flags);
    }
}
