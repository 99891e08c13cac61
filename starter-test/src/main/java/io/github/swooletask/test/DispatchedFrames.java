package io.github.swooletask.test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.swooletask.wire.BatchCursor;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.WireFormat;

/**
 * Reads the tasks of a frame the application's dispatcher is about to send: one task, or every task of a batch. A
 * spilled payload is read from its file without deleting it (the worker that takes the frame does that), so this
 * runs before the frame is sent.
 */
final class DispatchedFrames {

    private final SpillFiles spillFiles;

    DispatchedFrames(SpillFiles spillFiles) {
        this.spillFiles = spillFiles;
    }

    /**
     * @param workerId the worker the frame is addressed to, or -1
     * @throws IllegalStateException when the frame is not one a worker would accept
     */
    List<DispatchedTask> read(byte[] frame, int workerId) {
        ByteBuffer buffer = ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder());
        boolean classic = frame.length >= TaskFrame.HEADER_SIZE
                && (frame[TaskFrame.OFFSET_TYPE] & 0xFF) == TaskFrame.TYPE_TASK;
        WireFormat format = classic ? WireFormat.SWOOLE_1_7
                : (frame.length > DataHead.OFFSET_TYPE && frame[DataHead.OFFSET_TYPE] == DataHead.TYPE_TASK_4_8)
                        ? WireFormat.SWOOLE_4_8 : WireFormat.SWOOLE_6_1;
        int maxSize = TaskFrame.MAX_MESSAGE_SIZE;
        if ((FrameDecoder.flagsOf(buffer, frame.length) & TaskFlags.TMPFILE) != 0) {
            buffer = unspilled(buffer, format);
            maxSize = buffer.capacity();
        }
        FrameDecoder decoder = new FrameDecoder(this.spillFiles, maxSize);
        DecodedTask task = new DecodedTask();
        List<DispatchedTask> tasks = new ArrayList<>();
        try {
            decoder.decode(buffer, buffer.capacity(), task);
            if (!task.isBatch()) {
                tasks.add(dispatched(task, format, workerId));
                return tasks;
            }
            BatchCursor batch = decoder.batch(buffer);
            while (batch.hasNext()) {
                batch.next(task);
                tasks.add(dispatched(task, format, workerId));
            }
            return tasks;
        }
        catch (FrameRejectedException ex) {
            throw new IllegalStateException("the dispatcher wrote a frame no worker accepts: " + ex.getMessage(), ex);
        }
    }

    private static DispatchedTask dispatched(DecodedTask task, WireFormat format, int workerId) {
        return new DispatchedTask(task.taskId(), task.route(), task.flags(), format, workerId, task.payloadBytes());
    }

    /**
     * The spilled frame with its data inline, in a 40-byte header (whose length field has room for any size): the
     * same id, from id and flags but TMPFILE.
     */
    private static ByteBuffer unspilled(ByteBuffer frame, WireFormat format) {
        boolean classic = !format.isDataHead();
        String path = FrameEncoder.spillPathOf(frame, format);
        byte[] data;
        try {
            data = Files.readAllBytes(Path.of(String.valueOf(path)));
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot read the spill file " + path + " of a dispatched task", ex);
        }
        int taskId = classic ? frame.getInt(TaskFrame.OFFSET_TASK_ID) : (int) frame.getLong(DataHead.OFFSET_FD);
        short fromId = frame.getShort(classic ? TaskFrame.OFFSET_FROM_ID : DataHead.OFFSET_REACTOR_ID);
        int flags = FrameDecoder.flagsOf(frame, frame.capacity()) & ~TaskFlags.TMPFILE;
        ByteBuffer inline = ByteBuffer.allocate(DataHead.HEADER_SIZE + data.length).order(ByteOrder.nativeOrder());
        inline.putLong(DataHead.OFFSET_FD, taskId);
        inline.putInt(DataHead.OFFSET_LEN, data.length);
        inline.putShort(DataHead.OFFSET_REACTOR_ID, fromId);
        inline.put(DataHead.OFFSET_TYPE, (byte) ((format == WireFormat.SWOOLE_4_8) ? DataHead.TYPE_TASK_4_8
                : DataHead.TYPE_TASK_6_1));
        inline.putShort(DataHead.OFFSET_EXT_FLAGS, (short) flags);
        inline.put(DataHead.HEADER_SIZE, data);
        return inline;
    }
}
