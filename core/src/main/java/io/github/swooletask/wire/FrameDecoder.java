package io.github.swooletask.wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * Turns a received message into a {@link DecodedTask}, checking every header rule and reading spill files through
 * {@link SpillFiles}. One decoder per worker thread: it keeps a payload view and a small cache of route names, so a
 * message without a spill file allocates nothing. Not thread-safe.
 */
public final class FrameDecoder {

    private static final int ROUTE_CACHE_SIZE = 32;

    private final SpillFiles spillFiles;

    private @Nullable ByteBuffer source;

    private ByteBuffer view = ByteBuffer.allocate(0);

    private final byte[][] routeBytes = new byte[ROUTE_CACHE_SIZE][];

    private final String[] routeNames = new String[ROUTE_CACHE_SIZE];

    private int routeCount;

    private final BatchCursor cursor = new BatchCursor(this);

    public FrameDecoder(SpillFiles spillFiles) {
        this.spillFiles = spillFiles;
    }

    /**
     * Decodes a received message of {@code length} bytes at the start of {@code frame}. A batch decodes to its own
     * header only ({@link DecodedTask#isBatch()}): read its tasks with {@link #batch}.
     * @throws FrameRejectedException with the reason the message cannot become a task
     */
    public void decode(ByteBuffer frame, int length, DecodedTask into) throws FrameRejectedException {
        decode(frame, 0, length, false, into);
    }

    /**
     * The tasks of the batch just decoded from {@code frame} by {@link #decode(ByteBuffer, int, DecodedTask)}; the
     * cursor is this decoder's own and valid until the next call.
     */
    public BatchCursor batch(ByteBuffer frame) {
        return this.cursor.open(frame, TaskFrame.HEADER_SIZE,
                TaskFrame.HEADER_SIZE + (frame.getShort(TaskFrame.OFFSET_LENGTH) & 0xFFFF));
    }

    /**
     * Decodes the frame at {@code [offset, offset + length)} of {@code text}.
     * @param inBatch whether the frame sits inside a batch (no spill, no nested batch)
     */
    void decode(ByteBuffer text, int offset, int length, boolean inBatch, DecodedTask into)
            throws FrameRejectedException {
        into.route = null;
        into.trace = null;
        if (length < TaskFrame.HEADER_SIZE) {
            throw new FrameRejectedException(RejectReason.SHORT_HEADER, "message of " + length
                    + " bytes is shorter than the 12-byte header");
        }
        if (length > TaskFrame.MAX_MESSAGE_SIZE) {
            throw new FrameRejectedException(RejectReason.OVERSIZE, "message of more than "
                    + TaskFrame.MAX_MESSAGE_SIZE + " bytes");
        }
        into.taskId = text.getInt(offset + TaskFrame.OFFSET_TASK_ID);
        int dataLength = text.getShort(offset + TaskFrame.OFFSET_LENGTH) & 0xFFFF;
        into.fromId = text.getShort(offset + TaskFrame.OFFSET_FROM_ID);
        into.type = text.get(offset + TaskFrame.OFFSET_TYPE) & 0xFF;
        int flags = text.getShort(offset + TaskFrame.OFFSET_FLAGS) & 0xFFFF;
        into.flags = flags;
        if (into.type == TaskFrame.TYPE_WAKE && !inBatch) {
            return;
        }
        if (into.type != TaskFrame.TYPE_TASK) {
            throw new FrameRejectedException(RejectReason.UNKNOWN_TYPE, "task " + into.taskId + ": type "
                    + into.type + " is not a task (7)");
        }
        checkFlags(into.taskId, flags, inBatch);
        int received = length - TaskFrame.HEADER_SIZE;
        int dataOffset = offset + TaskFrame.HEADER_SIZE;
        if ((flags & TaskFlags.TMPFILE) != 0) {
            readSpill(text, dataOffset, dataLength, received, into);
        }
        else {
            if (dataLength != received) {
                throw new FrameRejectedException(RejectReason.LENGTH_MISMATCH, "task " + into.taskId
                        + ": length field says " + dataLength + " bytes but " + received + " arrived");
            }
            into.payload = view(text, dataOffset, dataLength);
        }
        if ((flags & TaskFlags.TRACED) != 0) {
            readTrace(into);
        }
        if ((flags & TaskFlags.ROUTED) != 0) {
            readRoute(into);
        }
    }

    private static void checkFlags(int taskId, int flags, boolean inBatch) throws FrameRejectedException {
        if ((flags & ~TaskFlags.KNOWN) != 0) {
            throw new FrameRejectedException(RejectReason.BAD_FLAGS, String.format("task %d: unknown flag bits 0x%04x",
                    taskId, flags & ~TaskFlags.KNOWN));
        }
        if ((flags & (TaskFlags.SERIALIZE | TaskFlags.JSON)) == (TaskFlags.SERIALIZE | TaskFlags.JSON)) {
            throw new FrameRejectedException(RejectReason.BAD_FLAGS, "task " + taskId
                    + ": SERIALIZE and JSON both set");
        }
        if ((flags & TaskFlags.BATCH) != 0 && (inBatch || (flags & ~(TaskFlags.BATCH | TaskFlags.NONBLOCK)) != 0)) {
            throw new FrameRejectedException(RejectReason.BAD_FLAGS, String.format(
                    "task %d: a batch carries no other flag and holds no batch (flags 0x%04x)", taskId, flags));
        }
        if (inBatch && (flags & TaskFlags.TMPFILE) != 0) {
            throw new FrameRejectedException(RejectReason.BAD_FLAGS, "task " + taskId
                    + ": a frame inside a batch cannot be spilled");
        }
    }

    private void readSpill(ByteBuffer text, int dataOffset, int dataLength, int received, DecodedTask into)
            throws FrameRejectedException {
        if (dataLength != TaskFrame.SPILL_LENGTH) {
            throw new FrameRejectedException(RejectReason.LENGTH_MISMATCH, "task " + into.taskId
                    + ": a spilled task's length field must be 152, was " + dataLength);
        }
        if (received < 6 || received > TaskFrame.SPILL_LENGTH) {
            throw new FrameRejectedException(RejectReason.LENGTH_MISMATCH, "task " + into.taskId
                    + ": a spill body must be 6 to 152 bytes, " + received + " arrived");
        }
        int declared = text.getInt(dataOffset);
        String path = TaskFrame.spillPath(text, dataOffset, received);
        if (path == null) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "task " + into.taskId
                    + ": spill path is empty or not NUL-terminated");
        }
        try {
            // the spill file holds the data as the message would (host order), like the trace length in it
            into.payload = ByteBuffer.wrap(this.spillFiles.readAndDelete(path, declared)).order(text.order());
        }
        catch (FrameRejectedException ex) {
            throw new FrameRejectedException(ex.reason(), "task " + into.taskId + ": "
                    + ex.getMessage().substring(ex.reason().tag().length() + 2));
        }
    }

    private static void readTrace(DecodedTask into) throws FrameRejectedException {
        ByteBuffer payload = into.payload;
        int start = payload.position();
        if (payload.remaining() < 2) {
            throw new FrameRejectedException(RejectReason.BAD_FRAME, "task " + into.taskId + ": trace context missing");
        }
        int n = payload.getShort(start) & 0xFFFF;
        if (n > payload.remaining() - 2) {
            throw new FrameRejectedException(RejectReason.BAD_FRAME, "task " + into.taskId + ": trace context of " + n
                    + " bytes does not fit the data");
        }
        byte[] trace = new byte[n];
        payload.get(start + 2, trace);
        into.trace = trace;
        payload.position(start + 2 + n);
    }

    private void readRoute(DecodedTask into) throws FrameRejectedException {
        ByteBuffer payload = into.payload;
        int start = payload.position();
        if (!payload.hasRemaining()) {
            throw new FrameRejectedException(RejectReason.BAD_FRAME, "task " + into.taskId + ": route missing");
        }
        int n = payload.get(start) & 0xFF;
        if (n == 0 || n > payload.remaining() - 1) {
            throw new FrameRejectedException(RejectReason.BAD_FRAME, "task " + into.taskId + ": route of " + n
                    + " bytes does not fit the data");
        }
        into.route = routeName(payload, start + 1, n, into.taskId);
        payload.position(start + 1 + n);
    }

    private String routeName(ByteBuffer buffer, int start, int n, int taskId) throws FrameRejectedException {
        for (int i = 0; i < this.routeCount; i++) {
            byte[] known = this.routeBytes[i];
            if (known.length == n && sameBytes(buffer, start, known)) {
                return this.routeNames[i];
            }
        }
        String name;
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(buffer.slice(start, n));
            name = chars.toString();
        }
        catch (CharacterCodingException ex) {
            throw new FrameRejectedException(RejectReason.BAD_FRAME, "task " + taskId + ": route is not UTF-8");
        }
        if (this.routeCount < ROUTE_CACHE_SIZE) {
            byte[] bytes = new byte[n];
            buffer.get(start, bytes);
            this.routeBytes[this.routeCount] = bytes;
            this.routeNames[this.routeCount] = name;
            this.routeCount++;
        }
        return name;
    }

    private static boolean sameBytes(ByteBuffer buffer, int start, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (buffer.get(start + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private ByteBuffer view(ByteBuffer text, int offset, int length) {
        if (this.source != text) {
            this.source = text;
            this.view = text.duplicate().order(text.order());
        }
        this.view.limit(offset + length).position(offset);
        return this.view;
    }

}
