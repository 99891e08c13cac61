package io.github.swooletask.test;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.SpillFiles;

/**
 * Drives the task workers of a test's application context on the in-memory transport
 * ({@code swoole.task.transport=in-memory}, {@code @AutoConfigureSwooleTaskTest}): posts tasks as other programs
 * write them, waits for handler runs and shows what the application dispatched. Inject it into the test; it is
 * reset before every test method. Thread-safe.
 *
 * <pre>{@code
 * harness.post(ExternalTask.serialized(Map.of("image", "cat.png")));     // as PHP posts an array
 * HandledTask run = harness.awaitHandled(1).get(0);
 * assertThat(run.succeeded()).isTrue();
 * }</pre>
 */
public final class SwooleTaskTestHarness {

    /** How long the waits without a timeout of their own wait. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final RecordingTransport transport;

    private final HandledTaskRecorder recorder;

    private final FrameEncoder encoder;

    private final FrameDecoder decoder;

    private final LongSupplier rejectedCount;

    private final AtomicInteger nextTaskId = new AtomicInteger(1);

    private volatile long rejectedBefore;

    /**
     * @param spillFiles where payloads too large for one message are spilled, as another program spills them
     * @param rejectedCount the workers' count of messages rejected so far
     */
    public SwooleTaskTestHarness(RecordingTransport transport, HandledTaskRecorder recorder, SpillFiles spillFiles,
            LongSupplier rejectedCount) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.recorder = Objects.requireNonNull(recorder, "recorder");
        this.encoder = new FrameEncoder(spillFiles);
        this.decoder = new FrameDecoder(spillFiles);
        this.rejectedCount = rejectedCount;
        this.rejectedBefore = rejectedCount.getAsLong();
    }

    /**
     * Posts a task as another program writes it (see {@link ExternalTask}).
     * @return its task id
     */
    public int post(ExternalTask task) {
        Integer given = task.taskId();
        int taskId = (given != null) ? given : this.nextTaskId.getAndIncrement();
        this.transport.post(task.workerId(), task.encode(this.encoder, taskId));
        return taskId;
    }

    /**
     * Posts bytes as one message, whatever they hold, as a program's {@code msg_send} does: a frame in the 12-byte
     * or the 40-byte layout, or a malformed one. It goes where {@code msg_send($queue, 2, ...)} goes: worker 0 in
     * ipc-mode 2, any worker otherwise.
     */
    public void post(byte[] frame) {
        post(-1, frame);
    }

    /** Posts bytes as one message for worker {@code workerId} (ipc-mode 2; any worker in the other modes). */
    public void post(int workerId, byte[] frame) {
        this.transport.post(workerId, frame.clone());
    }

    /**
     * The bytes {@link #post(ExternalTask)} puts on the queue for this task (a large payload is spilled now), to
     * look at or to change before {@link #post(byte[])}; the task id is the given one, or the harness's next.
     */
    public byte[] frame(ExternalTask task) {
        Integer given = task.taskId();
        return task.encode(this.encoder, (given != null) ? given : this.nextTaskId.getAndIncrement());
    }

    /** Every handler run since the test started, in the order they ended. */
    public List<HandledTask> handled() {
        return this.recorder.handled();
    }

    /**
     * Waits up to {@link #DEFAULT_TIMEOUT} until at least {@code count} handler runs ended since the test started.
     * @return every handler run so far, in the order they ended
     * @throws AssertionError when fewer ended in time
     */
    public List<HandledTask> awaitHandled(int count) {
        return awaitHandled(count, DEFAULT_TIMEOUT);
    }

    /** Like {@link #awaitHandled(int)} with a timeout of its own. */
    public List<HandledTask> awaitHandled(int count, Duration timeout) {
        return this.recorder.awaitHandled(count, timeout);
    }

    /** Every task the application dispatched since the test started, as a worker reads it. */
    public List<DispatchedTask> dispatched() {
        return this.transport.dispatched();
    }

    /**
     * Waits up to {@link #DEFAULT_TIMEOUT} until at least {@code count} tasks were dispatched since the test started
     * (small tasks may be batched: they go out up to {@code swoole.task.batching.linger} after the dispatch).
     * @throws AssertionError when fewer were in time
     */
    public List<DispatchedTask> awaitDispatched(int count) {
        return this.transport.awaitDispatched(count, DEFAULT_TIMEOUT);
    }

    /** Messages the workers rejected since the test started (malformed, no handler, bad payload...). */
    public long rejectedCount() {
        return this.rejectedCount.getAsLong() - this.rejectedBefore;
    }

    /**
     * Waits up to {@link #DEFAULT_TIMEOUT} until the workers rejected at least {@code count} messages since the test
     * started.
     * @throws AssertionError when fewer were rejected in time
     */
    public long awaitRejected(int count) {
        long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
        while (rejectedCount() < count) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("expected " + count + " rejected messages within " + DEFAULT_TIMEOUT
                        + ", saw " + rejectedCount());
            }
            try {
                Thread.sleep(5);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for rejected messages", ex);
            }
        }
        return rejectedCount();
    }

    /**
     * Starts afresh: removes the tasks still waiting on the queue and forgets what was handled, dispatched and
     * rejected so far. Called before every test method; a task a worker is running now still reports its run.
     */
    public void reset() {
        this.transport.purge(this.decoder::discard);
        this.transport.forget();
        this.recorder.forget();
        this.rejectedBefore = this.rejectedCount.getAsLong();
    }
}
