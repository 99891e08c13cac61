package io.github.swooletask.bench.jmh;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

/**
 * One {@code msgsnd} and one {@code msgrcv(IPC_NOWAIT)} of a task frame on a private queue, in the same thread, so no
 * thread ever sleeps: the cost of the two system calls through jnr-ffi, and with the codec around them. The queue
 * is removed in {@link #tearDown()} (and by a shutdown hook if the fork is stopped early).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MessageQueueBenchmark {

    @Param({ "16", "1024" })
    public int payloadSize;

    private MessageQueue queue;

    private Thread removeOnExit;

    private FrameBuffer sendBuffer;

    private FrameBuffer receiveBuffer;

    private int length;

    private FrameEncoder encoder;

    private FrameDecoder decoder;

    private final DecodedTask task = new DecodedTask();

    private byte[] payload;

    private OutgoingTask outgoing;

    private int taskId;

    @Setup(Level.Trial)
    public void setUp() {
        this.queue = MessageQueue.createPrivate(0600);
        MessageQueue created = this.queue;
        this.removeOnExit = new Thread(created::remove, "remove-bench-queue");
        Runtime.getRuntime().addShutdownHook(this.removeOnExit);
        SpillFiles spillFiles = new SpillFiles(Path.of(System.getProperty("java.io.tmpdir")), 16L << 20);
        this.encoder = new FrameEncoder(spillFiles);
        this.decoder = new FrameDecoder(spillFiles);
        this.sendBuffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);
        this.receiveBuffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);
        this.payload = new byte[this.payloadSize];
        Arrays.fill(this.payload, (byte) 0xAB);
        this.outgoing = OutgoingTask.of(0, this.payload);
        this.length = this.encoder.encode(this.sendBuffer.frame(), this.outgoing, 1, 7, TaskFlags.NONBLOCK);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        this.queue.remove();
        Runtime.getRuntime().removeShutdownHook(this.removeOnExit);
    }

    /** msgsnd of a ready frame, then msgrcv(IPC_NOWAIT) of it. */
    @Benchmark
    public int sendReceive() {
        if (!this.queue.send(this.sendBuffer, 2, this.length, false)) {
            throw new IllegalStateException("queue full");
        }
        return this.queue.receive(this.receiveBuffer, 0, false);
    }

    /** encode, msgsnd, msgrcv(IPC_NOWAIT), decode: a task's whole trip through the queue, minus the handler. */
    @Benchmark
    public Object encodeSendReceiveDecode() throws FrameRejectedException {
        int n = this.encoder.encode(this.sendBuffer.frame(), this.outgoing, ++this.taskId, 7, TaskFlags.NONBLOCK);
        if (!this.queue.send(this.sendBuffer, 2, n, false)) {
            throw new IllegalStateException("queue full");
        }
        int received = this.queue.receive(this.receiveBuffer, 0, false);
        this.decoder.decode(this.receiveBuffer.frame(), received, this.task);
        return this.task.payload();
    }
}
