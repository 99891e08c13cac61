package io.github.swooletask.support;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskName;

/** Outgoing tasks for codec tests: any name, trace and slice of a payload, with no payload flags of their own. */
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
}
