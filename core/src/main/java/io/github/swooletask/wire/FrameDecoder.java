package io.github.swooletask.wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * Turns a received message in either layout ({@link WireFormat}: the 12-byte header, or the 40-byte one of Swoole
 * 4.8+, told apart per message) into a {@link DecodedTask}, checking every header rule and reading spill files through
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

    private final int maxMessageSize;

    /** A decoder for messages of at most {@value TaskFrame#MAX_MESSAGE_SIZE} bytes, as System V queues carry. */
    public FrameDecoder(SpillFiles spillFiles) {
        this(spillFiles, TaskFrame.MAX_MESSAGE_SIZE);
    }

    /**
     * @param maxMessageSize the largest message accepted: {@value TaskFrame#MAX_MESSAGE_SIZE}, or more for a
     * transport that carries large payloads inline
     */
    public FrameDecoder(SpillFiles spillFiles, int maxMessageSize) {
        this.spillFiles = spillFiles;
        this.maxMessageSize = Math.max(maxMessageSize, TaskFrame.MAX_MESSAGE_SIZE);
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
     * A message dropped unread (a purge): decoded as a worker would, and thrown away, so that a spill file it names
     * is read and deleted under the same rules as any other (one this decoder would refuse is left alone). A
     * message that is no task is dropped as it is.
     */
    public void discard(ByteBuffer frame, int length) {
        try {
            decode(frame, length, new DecodedTask());
        }
        catch (FrameRejectedException ex) {
            // nothing of it is kept either way
        }
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
     * @param inBatch whether the frame sits inside a batch (12-byte layout only; no spill, no nested batch)
     */
    void decode(ByteBuffer text, int offset, int length, boolean inBatch, DecodedTask into)
            throws FrameRejectedException {
        into.route = null;
        into.trace = null;
        into.replyKey = 0;
        into.replyMtype = 0;
        if (length > this.maxMessageSize) {
            throw new FrameRejectedException(RejectReason.OVERSIZE, "message of more than "
                    + this.maxMessageSize + " bytes");
        }
        if (!inBatch && isDataHead(text, offset, length)) {
            decodeDataHead(text, offset, length, into);
            return;
        }
        if (length < TaskFrame.HEADER_SIZE) {
            throw new FrameRejectedException(RejectReason.SHORT_HEADER, "message of " + length
                    + " bytes is shorter than the 12-byte header");
        }
        into.format = WireFormat.SWOOLE_1_7;
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
                    + into.type + " is not a task (7)" + notDataHeadEither(text, offset, length, inBatch));
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
        readPrefixes(into);
    }

    /**
     * Whether a message is in the 40-byte layout: its byte 8 is not the 12-byte layout's task or wake-up type (in
     * the 40-byte layout it is the low byte of {@code msg_id}, 0) and its {@code uint32} at 16 is its size - 40.
     */
    static boolean isDataHead(ByteBuffer text, int offset, int length) {
        if (length < DataHead.HEADER_SIZE) {
            return false;
        }
        int classicType = text.get(offset + TaskFrame.OFFSET_TYPE) & 0xFF;
        if (classicType == TaskFrame.TYPE_TASK || classicType == TaskFrame.TYPE_WAKE) {
            return false;
        }
        return (text.getInt(offset + DataHead.OFFSET_LEN) & 0xFFFFFFFFL) == length - DataHead.HEADER_SIZE;
    }

    /** The flags of the frame at the start of {@code frame}, in whichever layout it is (0 if too short). */
    public static int flagsOf(ByteBuffer frame, int length) {
        if (isDataHead(frame, 0, length)) {
            return frame.getShort(DataHead.OFFSET_EXT_FLAGS) & 0xFFFF;
        }
        return (length >= TaskFrame.HEADER_SIZE) ? frame.getShort(TaskFrame.OFFSET_FLAGS) & 0xFFFF : 0;
    }

    private static String notDataHeadEither(ByteBuffer text, int offset, int length, boolean inBatch) {
        if (inBatch || length < DataHead.HEADER_SIZE) {
            return "";
        }
        return ", nor a 40-byte Swoole 4.8+ task (its len field says "
                + (text.getInt(offset + DataHead.OFFSET_LEN) & 0xFFFFFFFFL) + " for " + (length - DataHead.HEADER_SIZE)
                + " bytes of data)";
    }

    private void decodeDataHead(ByteBuffer text, int offset, int length, DecodedTask into)
            throws FrameRejectedException {
        long fd = text.getLong(offset + DataHead.OFFSET_FD);
        into.fromId = text.getShort(offset + DataHead.OFFSET_REACTOR_ID);
        into.type = text.get(offset + DataHead.OFFSET_TYPE) & 0xFF;
        int flags = text.getShort(offset + DataHead.OFFSET_EXT_FLAGS) & 0xFFFF;
        into.flags = flags;
        into.taskId = (int) fd;
        if (fd != (int) fd) {
            throw new FrameRejectedException(RejectReason.BAD_FRAME, "a 40-byte task's id " + fd
                    + " does not fit 32 bits");
        }
        WireFormat format = WireFormat.ofDataHeadType(into.type);
        if (format == null) {
            throw new FrameRejectedException(RejectReason.UNKNOWN_TYPE, "task " + fd + ": type " + into.type
                    + dataHeadType(into.type));
        }
        into.format = format;
        int chunk = text.get(offset + DataHead.OFFSET_CHUNK_FLAGS) & 0xFF;
        if (chunk != 0) {
            throw new FrameRejectedException(RejectReason.BAD_FRAME, String.format("task %d: chunk flags 0x%02x:"
                    + " a task is never sent in chunks", fd, chunk));
        }
        checkFlags(into.taskId, flags, false);
        if ((flags & TaskFlags.BATCH) != 0) {
            throw new FrameRejectedException(RejectReason.BAD_FLAGS, "task " + fd
                    + ": batches travel only in the 12-byte layout");
        }
        int dataLength = length - DataHead.HEADER_SIZE;
        int dataOffset = offset + DataHead.HEADER_SIZE;
        if ((flags & TaskFlags.TMPFILE) != 0) {
            readDataHeadSpill(text, dataOffset, dataLength, into);
        }
        else {
            into.payload = view(text, dataOffset, dataLength);
        }
        readPrefixes(into);
    }

    private static String dataHeadType(int type) {
        return switch (type) {
            case DataHead.TYPE_PIPE_MESSAGE_4_8 -> " is Swoole 4.8-6.0's pipe message, not a task (7 or 8)";
            case DataHead.TYPE_PIPE_MESSAGE_6_1 -> " is Swoole 6.1's pipe message, not a task (7 or 8)";
            case DataHead.TYPE_SHUTDOWN_4_8 -> " is Swoole 4.8-6.0's task worker shutdown, not a task (7 or 8)";
            case DataHead.TYPE_SHUTDOWN_6_1 -> " is Swoole 6.1's task worker shutdown, not a task (7 or 8)";
            default -> " is not a task (7 or 8) of the 40-byte layout";
        };
    }

    private void readDataHeadSpill(ByteBuffer text, int dataOffset, int dataLength, DecodedTask into)
            throws FrameRejectedException {
        if (dataLength != DataHead.SPILL_LENGTH) {
            throw new FrameRejectedException(RejectReason.LENGTH_MISMATCH, "task " + into.taskId
                    + ": a spilled 40-byte task's data must be 264 bytes (uint64 length and a 256-byte path), was "
                    + dataLength);
        }
        long declared = text.getLong(dataOffset);
        String path = DataHead.spillPath(text, dataOffset);
        if (path == null) {
            throw new FrameRejectedException(RejectReason.SPILL_PATH, "task " + into.taskId
                    + ": spill path is empty or not NUL-terminated");
        }
        if (declared < 0 || declared > Integer.MAX_VALUE) {
            throw new FrameRejectedException(RejectReason.OVERSIZE, "task " + into.taskId + ": spilled payload of "
                    + Long.toUnsignedString(declared) + " bytes");
        }
        readSpillFile(text, path, (int) declared, into);
    }

    /** Reads the prefixes the flags announce, in their order: reply address, trace context, task name. */
    private void readPrefixes(DecodedTask into) throws FrameRejectedException {
        int flags = into.flags;
        if ((flags & TaskFlags.REPLY_TO) != 0) {
            readReplyTo(into);
        }
        if ((flags & TaskFlags.TRACED) != 0) {
            readTrace(into);
        }
        if ((flags & TaskFlags.ROUTED) != 0) {
            readRoute(into);
        }
    }

    private static void readReplyTo(DecodedTask into) throws FrameRejectedException {
        ByteBuffer payload = into.payload;
        int start = payload.position();
        if (payload.remaining() < 12) {
            throw new FrameRejectedException(RejectReason.BAD_FRAME, "task " + into.taskId
                    + ": REPLY_TO without its 12-byte reply address");
        }
        int key = payload.getInt(start);
        long mtype = payload.getLong(start + 4);
        if (key == 0 || mtype < 1) {
            throw new FrameRejectedException(RejectReason.BAD_FRAME, String.format("task %d: reply address key"
                    + " 0x%08x type %d: the key must not be 0 and the type must be at least 1", into.taskId, key, mtype));
        }
        into.replyKey = key;
        into.replyMtype = mtype;
        payload.position(start + 12);
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
        readSpillFile(text, path, declared, into);
    }

    private void readSpillFile(ByteBuffer text, String path, int declared, DecodedTask into)
            throws FrameRejectedException {
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
