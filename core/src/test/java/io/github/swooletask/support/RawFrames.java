package io.github.swooletask.support;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

import static org.assertj.core.api.Assertions.fail;

/**
 * The tests' one builder and sender of raw frames: bytes exactly as another producer writes them (a 12-byte header
 * in host byte order, then the data), whether they make a valid task or not, and a sender that puts bytes on a
 * System V queue as they are.
 */
public final class RawFrames {

    /** One send buffer per thread, as large as the largest message the kernel may let through. */
    private static final ThreadLocal<FrameBuffer> BUFFERS = ThreadLocal
        .withInitial(() -> FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1));

    private RawFrames() {
    }

    /**
     * A frame: header {@code taskId | lengthField | fromId | type | 0 | flags}, then {@code data}; the length field
     * need not match the data.
     */
    public static byte[] frame(int taskId, int lengthField, int fromId, int type, int flags, byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(TaskFrame.HEADER_SIZE + data.length).order(ByteOrder.nativeOrder());
        out.putInt(taskId).putShort((short) lengthField).putShort((short) fromId).put((byte) type).put((byte) 0)
            .putShort((short) flags).put(data);
        return out.array();
    }

    /** A frame whose length field is the data's length, from id 0. */
    public static byte[] frame(int taskId, int type, int flags, byte[] data) {
        return frame(taskId, data.length, 0, type, flags, data);
    }

    /**
     * A frame in the 40-byte layout of Swoole 4.8+: {@code fd | msg_id 0 | lenField | reactorId | type | chunkFlags |
     * server_fd 0 | extFlags | 0 | time}, then {@code data}; the len field need not match the data.
     */
    public static byte[] dataHead(long fd, long lenField, int reactorId, int type, int chunkFlags, int extFlags,
            byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(DataHead.HEADER_SIZE + data.length).order(ByteOrder.nativeOrder());
        out.putLong(fd).putLong(0).putInt((int) lenField).putShort((short) reactorId).put((byte) type)
            .put((byte) chunkFlags).putShort((short) 0).putShort((short) extFlags).putInt(0)
            .putDouble(System.currentTimeMillis() / 1000.0).put(data);
        return out.array();
    }

    /** A 40-byte frame whose len field is the data's length, from reactor 0, no chunk flags. */
    public static byte[] dataHead(long fd, int type, int extFlags, byte[] data) {
        return dataHead(fd, data.length, 0, type, 0, extFlags, data);
    }

    /** A task frame carrying UTF-8 text, flagged NONBLOCK as the PHP client flags every task. */
    public static byte[] task(int taskId, String text) {
        return frame(taskId, TaskFrame.TYPE_TASK, TaskFlags.NONBLOCK, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The parts one after the other, as a producer writes several frames to a socket. */
    public static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** Sends the bytes as one message of type {@code mtype}; fails the test when the queue is full. */
    public static void send(MessageQueue queue, long mtype, byte[] bytes) {
        FrameBuffer buffer = BUFFERS.get();
        if (buffer.capacity() < bytes.length) {
            buffer = FrameBuffer.allocate(bytes.length);
        }
        buffer.frame().put(0, bytes);
        if (!queue.send(buffer, mtype, bytes.length, false)) {
            fail("queue %s is full", queue);
        }
    }

    /**
     * Sends one well-formed task for the default handler (no name), flagged NONBLOCK as an external producer sends
     * it, as a message of type {@code mtype}; a payload too large for one message is spilled into {@code tmpdir}.
     * Fails the test when the queue is full.
     */
    public static void sendTask(MessageQueue queue, long mtype, int taskId, String payload, Path tmpdir) {
        FrameBuffer buffer = BUFFERS.get();
        FrameEncoder encoder = new FrameEncoder(new SpillFiles(tmpdir, 1 << 24));
        int length = encoder.encode(buffer.frame(), OutgoingTask.of(0, payload.getBytes(StandardCharsets.UTF_8)),
                taskId, 0, TaskFlags.NONBLOCK);
        if (!queue.send(buffer, mtype, length, false)) {
            encoder.discardSpill(buffer.frame());
            fail("queue %s is full", queue);
        }
    }
}
