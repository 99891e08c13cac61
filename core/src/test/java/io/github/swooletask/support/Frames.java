package io.github.swooletask.support;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.TaskName;

/**
 * Tasks for tests: outgoing tasks with any name, trace and slice of a payload (no payload flags of their own), and
 * the {@link DecodedTask} a worker would make of one, for tests of what runs on the workers.
 */
public final class Frames {

    private Frames() {
    }

    /** A task carrying {@code payload[offset, offset + length)}. */
    public static OutgoingTask task(byte @Nullable [] trace, @Nullable TaskName name, byte[] payload, int offset,
            int length) {
        byte[] data = (offset == 0 && length == payload.length) ? payload
                : Arrays.copyOfRange(payload, offset, offset + length);
        return new OutgoingTask(name, 0, trace, data, OutgoingTask.ANY_WORKER);
    }

    /** A task for the default handler carrying the whole payload. */
    public static OutgoingTask task(byte[] payload) {
        return OutgoingTask.of(0, payload);
    }

    /**
     * What worker {@code workerId} sees of {@code task} once encoded with this id, from id and delivery flags: a
     * small task only (nothing is spilled), arrived with {@code delivery} as the transport's facts.
     */
    public static DecodedTask decoded(OutgoingTask task, int taskId, int fromId, int deliveryFlags, int workerId,
            Map<String, Object> delivery) {
        if (task.inlineSize() - TaskFrame.HEADER_SIZE >= TaskFrame.SPILL_THRESHOLD) {
            throw new IllegalArgumentException("Frames.decoded takes tasks small enough to travel inline only");
        }
        // nothing is spilled, so the spill directory is never written
        SpillFiles spill = new SpillFiles(Path.of(System.getProperty("java.io.tmpdir")), 1 << 20);
        ByteBuffer frame = ByteBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE).order(ByteOrder.nativeOrder());
        int length = new FrameEncoder(spill).encode(frame, task, taskId, fromId, deliveryFlags);
        DecodedTask decoded = new DecodedTask();
        decoded.arrivedAt(workerId, () -> delivery);
        try {
            new FrameDecoder(spill).decode(frame, length, decoded);
        }
        catch (FrameRejectedException ex) {
            throw new IllegalStateException("the encoder wrote a frame the decoder rejects", ex);
        }
        return decoded;
    }

    /** What worker 0 sees of {@code task} dispatched by an external producer (from id 0) with no delivery facts. */
    public static DecodedTask decoded(OutgoingTask task, int taskId, int deliveryFlags) {
        return decoded(task, taskId, 0, deliveryFlags, 0, Map.of());
    }
}
