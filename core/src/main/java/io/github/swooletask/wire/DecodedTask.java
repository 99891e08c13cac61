package io.github.swooletask.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * One task as a worker sees it, refilled for every message: a worker owns one instance and reuses it, so nothing
 * here outlives the handler call. Not thread-safe.
 */
public final class DecodedTask {

    int taskId;

    int fromId;

    int flags;

    int type;

    @Nullable String route;

    WireFormat format = WireFormat.SWOOLE_1_7;

    int replyKey;

    long replyMtype;

    byte @Nullable [] trace;

    ByteBuffer payload = EMPTY;

    private int workerId;

    private @Nullable ByteBuffer readOnlySource;

    private ByteBuffer readOnlyView = EMPTY;

    private Supplier<Map<String, Object>> delivery = Map::of;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

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

    /** The layout the task came in: the 12-byte header of Swoole 1.7.2 or the 40-byte one of Swoole 4.8+. */
    public WireFormat format() {
        return this.format;
    }

    /** The System V key of the queue a reply goes to, when the task carries {@link TaskFlags#REPLY_TO}. */
    public int replyKey() {
        return this.replyKey;
    }

    /** The message type a reply gets, when the task carries {@link TaskFlags#REPLY_TO}. */
    public long replyMtype() {
        return this.replyMtype;
    }

    /** Whether another program waits for the result ({@link TaskFlags#REPLY_TO}). */
    public boolean wantsReplyTo() {
        return (this.flags & TaskFlags.REPLY_TO) != 0;
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
    public @Nullable String route() {
        return this.route;
    }

    /** The trace context bytes ({@code name=value} lines) of a task dispatched with one, or null. */
    public byte @Nullable [] trace() {
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
            this.readOnlyView = this.payload.asReadOnlyBuffer().order(ByteOrder.nativeOrder());
        }
        this.readOnlyView.clear().limit(this.payload.limit()).position(this.payload.position());
        return this.readOnlyView;
    }

    /** Index of the worker running the task, from 0. */
    public int workerId() {
        return this.workerId;
    }

    /**
     * What the transport knows of the message the task arrived in (for example {@code mtype} on a System V queue),
     * read when asked; valid only until the worker takes its next message.
     */
    public Map<String, Object> delivery() {
        return this.delivery.get();
    }

    /** Set by the worker before decoding: who runs it and where the transport keeps the delivery facts. */
    public void arrivedAt(int workerId, Supplier<Map<String, Object>> delivery) {
        this.workerId = workerId;
        this.delivery = delivery;
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

    /**
     * A copy that outlives the worker's next message, for a task handed to another thread: its own payload bytes
     * (read-only access through the same methods) and the delivery facts as they are now.
     */
    public DecodedTask copy() {
        DecodedTask copy = new DecodedTask();
        copy.taskId = this.taskId;
        copy.fromId = this.fromId;
        copy.flags = this.flags;
        copy.type = this.type;
        copy.route = this.route;
        copy.format = this.format;
        copy.replyKey = this.replyKey;
        copy.replyMtype = this.replyMtype;
        copy.trace = this.trace;
        copy.payload = ByteBuffer.wrap(payloadBytes());
        copy.workerId = this.workerId;
        Map<String, Object> facts = Map.copyOf(this.delivery.get());
        copy.delivery = () -> facts;
        return copy;
    }
}
