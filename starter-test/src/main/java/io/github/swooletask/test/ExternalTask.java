package io.github.swooletask.test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.php.PhpSerializer;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskName;
import io.github.swooletask.wire.WireFormat;

/**
 * A task as another program writes it on the queue, for {@link SwooleTaskTestHarness#post(ExternalTask)}: by
 * default as Swoole's external PHP client posts it (the 12-byte layout, from id 0, flag NONBLOCK, no name, so the
 * default handler takes it); {@link #in} a 40-byte layout as a Swoole 4.8+ server's {@code Task::pack()} writes it
 * (flags NONBLOCK and NOREPLY). Payloads of 8180 bytes or more (8153 in the 40-byte layouts) are spilled to a file
 * in {@code swoole.task.tmpdir}, as the wire format says. Immutable: every {@code with} method returns a new one.
 */
public final class ExternalTask {

    private final byte[] data;

    private final int payloadFlags;

    private final @Nullable String name;

    private final WireFormat format;

    private final @Nullable Integer taskId;

    private final @Nullable Integer deliveryFlags;

    private final int workerId;

    private ExternalTask(byte[] data, int payloadFlags, @Nullable String name, WireFormat format,
            @Nullable Integer taskId, @Nullable Integer deliveryFlags, int workerId) {
        this.data = data;
        this.payloadFlags = payloadFlags;
        this.name = name;
        this.format = format;
        this.taskId = taskId;
        this.deliveryFlags = deliveryFlags;
        this.workerId = workerId;
    }

    private static ExternalTask of(byte[] data, int payloadFlags) {
        return new ExternalTask(data, payloadFlags, null, WireFormat.SWOOLE_1_7, null, null,
                TaskTransport.ANY_WORKER);
    }

    /** Text, as UTF-8 without payload flags: what {@code SwooleTask.php} posts for a string. */
    public static ExternalTask text(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8), 0);
    }

    /** Bytes as they are, without payload flags. */
    public static ExternalTask bytes(byte[] data) {
        return of(data.clone(), 0);
    }

    /**
     * PHP {@code serialize()} data of a value (maps, lists, strings, numbers, booleans, null), flag SERIALIZE: what
     * PHP posts for an array ({@code swoole-task post --serialize}).
     * @throws IllegalArgumentException for a value PHP's {@code serialize()} format has no form for
     */
    public static ExternalTask serialized(@Nullable Object value) {
        return of(PhpSerializer.write(value), TaskFlags.SERIALIZE);
    }

    /** PHP {@code serialize()} data as PHP wrote it, for example {@code a:1:{i:0;s:1:"x";}}, flag SERIALIZE. */
    public static ExternalTask serializedData(String phpSerialized) {
        return of(phpSerialized.getBytes(StandardCharsets.UTF_8), TaskFlags.SERIALIZE);
    }

    /** JSON text, flag JSON, as a Java dispatcher writes an object. */
    public static ExternalTask json(String json) {
        return of(json.getBytes(StandardCharsets.UTF_8), TaskFlags.JSON);
    }

    /** The same task for {@code @TaskHandler(name)}, as {@code swoole-task post --name} sends it. */
    public ExternalTask named(String name) {
        TaskName.of(name);
        return new ExternalTask(this.data, this.payloadFlags, name, this.format, this.taskId, this.deliveryFlags,
                this.workerId);
    }

    /** The same task in another layout ({@code swoole-4.8}, {@code swoole-6.1}: the 40-byte header). */
    public ExternalTask in(WireFormat format) {
        return new ExternalTask(this.data, this.payloadFlags, this.name, Objects.requireNonNull(format, "format"),
                this.taskId, this.deliveryFlags, this.workerId);
    }

    /** The same task with this id; without one the harness numbers posted tasks from 1, as PHP's client does. */
    public ExternalTask withTaskId(int taskId) {
        return new ExternalTask(this.data, this.payloadFlags, this.name, this.format, taskId, this.deliveryFlags,
                this.workerId);
    }

    /**
     * The same task with these header flags besides the payload's, instead of NONBLOCK (NONBLOCK | NOREPLY in the
     * 40-byte layouts).
     */
    public ExternalTask withFlags(int deliveryFlags) {
        return new ExternalTask(this.data, this.payloadFlags, this.name, this.format, this.taskId, deliveryFlags,
                this.workerId);
    }

    /**
     * The same task on the queue of one worker (ipc-mode 2: message type offset + worker); by default it goes where
     * a program's {@code msg_send($queue, 2, ...)} goes, worker 0 in ipc-mode 2 and any worker otherwise.
     */
    public ExternalTask toWorker(int workerId) {
        return new ExternalTask(this.data, this.payloadFlags, this.name, this.format, this.taskId, this.deliveryFlags,
                workerId);
    }

    /** The payload bytes. */
    public byte[] data() {
        return this.data.clone();
    }

    /** The task id given with {@link #withTaskId}, or null for the harness's next. */
    @Nullable Integer taskId() {
        return this.taskId;
    }

    int workerId() {
        return this.workerId;
    }

    /** The frame a producer writes, with this id; a large payload is spilled by the encoder. */
    byte[] encode(FrameEncoder encoder, int taskId) {
        int flags = (this.deliveryFlags != null) ? this.deliveryFlags
                : this.format.isDataHead() ? TaskFlags.NONBLOCK | TaskFlags.NOREPLY : TaskFlags.NONBLOCK;
        ByteBuffer frame = ByteBuffer.allocate(TaskTransport.MESSAGE_SIZE).order(ByteOrder.nativeOrder());
        OutgoingTask task = new OutgoingTask((this.name != null) ? TaskName.of(this.name) : null, this.payloadFlags,
                null, this.data, this.workerId);
        int length = encoder.encode(frame, this.format, task, taskId, 0, flags);
        return Arrays.copyOf(frame.array(), length);
    }

    @Override
    public String toString() {
        return this.format.label() + " task" + ((this.name != null) ? " '" + this.name + "'" : "") + " of "
                + this.data.length + " bytes";
    }
}
