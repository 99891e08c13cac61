package io.github.swooletask.wire;

import java.nio.ByteBuffer;

/**
 * One task as a worker sees it, refilled for every message: a worker owns one instance and reuses it, so nothing
 * here outlives the handler call. Not thread-safe.
 */
public final class DecodedTask {

    int taskId;

    int fromId;

    int flags;

    int type;

    String route;

    byte[] trace;

    ByteBuffer payload;

    private int workerId;

    private ByteBuffer readOnlySource;

    private ByteBuffer readOnlyView;

    private long mtype;

    /** The producer's task id (a counter of its own; PHP clients start at 1). */
    public int taskId() {
        return this.taskId;
    }

    /** The header's from id: 0 from PHP, the dispatching process's tag on every task from Java. */
    public int fromId() {
        return this.fromId;
    }

    /** The flag bits, {@link TaskFlags}. */
    public int flags() {
        return this.flags;
    }

    /** The frame type: {@link TaskFrame#TYPE_TASK}, or {@link TaskFrame#TYPE_WAKE} for a wake-up frame. */
    public int type() {
        return this.type;
    }

    public boolean isWake() {
        return this.type == TaskFrame.TYPE_WAKE;
    }

    public boolean isBatch() {
        return (this.flags & TaskFlags.BATCH) != 0;
    }

    /** The route name given at dispatch, or null for a task without one (every task from PHP). */
    public String route() {
        return this.route;
    }

    /** The trace context bytes ({@code name=value} lines) of a task dispatched with one, or null. */
    public byte[] trace() {
        return this.trace;
    }

    /**
     * The payload bytes from position to limit: a view of the receive buffer (or of a spill file's contents) that is
     * valid only until the worker takes its next message. Copy what must be kept.
     */
    public ByteBuffer payload() {
        return this.payload;
    }

    /**
     * A read-only view of the payload in native byte order, valid only until the worker takes its next message.
     * The view is reused from task to task, so this allocates nothing for tasks that were not spilled.
     */
    public ByteBuffer readOnlyPayload() {
        if (this.payload != this.readOnlySource) {
            this.readOnlySource = this.payload;
            this.readOnlyView = this.payload.asReadOnlyBuffer().order(java.nio.ByteOrder.nativeOrder());
        }
        this.readOnlyView.clear().limit(this.payload.limit()).position(this.payload.position());
        return this.readOnlyView;
    }

    /** Index of the worker running the task, from 0. */
    public int workerId() {
        return this.workerId;
    }

    /** The System V message type the task arrived with (0 for the Unix socket). */
    public long mtype() {
        return this.mtype;
    }

    /** Set by the worker before decoding. */
    public void arrivedAt(int workerId, long mtype) {
        this.workerId = workerId;
        this.mtype = mtype;
    }

    /** Payload length in bytes. */
    public int payloadLength() {
        return this.payload.remaining();
    }

    /** A copy of the payload bytes. */
    public byte[] payloadBytes() {
        byte[] bytes = new byte[this.payload.remaining()];
        this.payload.get(this.payload.position(), bytes);
        return bytes;
    }
}
