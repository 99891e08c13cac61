package io.github.swooletask.bench.jmh;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

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
 * {@link FrameEncoder#encode} and {@link FrameDecoder#decode} of one task into the reused native message buffers
 * the dispatcher and the workers use: the codec's share of the hot path, which should allocate nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class FrameCodecBenchmark {

    @Param({ "16", "1024" })
    public int payloadSize;

    private FrameEncoder encoder;

    private FrameDecoder decoder;

    private ByteBuffer sendText;

    private ByteBuffer receiveText;

    private int receiveLength;

    private final DecodedTask task = new DecodedTask();

    private byte[] payload;

    private OutgoingTask outgoing;

    private int taskId;

    @Setup
    public void setUp() {
        SpillFiles spillFiles = new SpillFiles(Path.of(System.getProperty("java.io.tmpdir")), 16L << 20);
        this.encoder = new FrameEncoder(spillFiles);
        this.decoder = new FrameDecoder(spillFiles);
        this.sendText = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE).frame();
        this.receiveText = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1).frame();
        this.payload = new byte[this.payloadSize];
        Arrays.fill(this.payload, (byte) 0xAB);
        this.outgoing = OutgoingTask.of(0, this.payload);
        this.receiveLength = this.encoder.encode(this.receiveText, this.outgoing, 1, 7, TaskFlags.NONBLOCK);
        
    }

    /** Dispatcher side: header plus payload copy into the native send buffer. */
    @Benchmark
    public int encode() {
        return this.encoder.encode(this.sendText, this.outgoing, ++this.taskId, 7, TaskFlags.NONBLOCK);
    }

    /** Worker side: header checks and the payload view over the native receive buffer. */
    @Benchmark
    public ByteBuffer decode() throws FrameRejectedException {
        this.decoder.decode(this.receiveText, this.receiveLength, this.task);
        return this.task.payload();
    }

    /** Both, on one buffer. */
    @Benchmark
    public ByteBuffer encodeThenDecode() throws FrameRejectedException {
        int length = this.encoder.encode(this.sendText, this.outgoing, ++this.taskId, 7, TaskFlags.NONBLOCK);
        this.decoder.decode(this.sendText, length, this.task);
        return this.task.payload();
    }
}
