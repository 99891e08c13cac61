package io.github.swooletask.test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.ReplyTarget;
import io.github.swooletask.transport.ResultChannel;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.SpillFiles;

/**
 * The transport of {@code swoole.task.transport=in-memory}: core's {@link InMemoryTransport} (a queue in the JVM
 * with the System V queue's semantics of the configured ipc-mode), which also keeps every task the application
 * dispatched, read as a worker reads it, and lets a test post frames as another program would. Thread-safe.
 */
public final class RecordingTransport implements TaskTransport {

    private final InMemoryTransport queue;

    private final DispatchedFrames frames;

    private final Recording<DispatchedTask> dispatched = new Recording<>("dispatched tasks");

    /** @param spillFiles where the application's spilled payloads are, to read them */
    public RecordingTransport(InMemoryTransport queue, SpillFiles spillFiles) {
        this.queue = queue;
        this.frames = new DispatchedFrames(spillFiles);
    }

    @Override
    public boolean send(FrameBuffer buffer, int length, int workerId, boolean wait) {
        byte[] frame = new byte[length];
        buffer.frame().get(0, frame);
        // read before it is sent: the worker that takes it deletes its spill file
        List<DispatchedTask> tasks = this.frames.read(frame, workerId);
        boolean sent = this.queue.send(buffer, length, workerId, wait);
        if (sent) {
            this.dispatched.add(tasks);
        }
        return sent;
    }

    /** Puts a frame as another program would, whatever bytes it holds; it is no dispatched task. */
    public void post(int workerId, byte[] frame) {
        this.queue.post(workerId, frame);
    }

    /** Every task dispatched since the start or the last {@link #forget()}, in order. */
    public List<DispatchedTask> dispatched() {
        return this.dispatched.snapshot();
    }

    /**
     * Waits until at least {@code count} tasks were dispatched (a batch goes out up to its linger after the
     * dispatch returned).
     * @throws AssertionError when fewer were within the timeout
     */
    public List<DispatchedTask> awaitDispatched(int count, Duration timeout) {
        return this.dispatched.await(count, timeout);
    }

    /** Forgets the tasks dispatched so far. */
    public void forget() {
        this.dispatched.clear();
    }

    @Override
    public IpcMode mode() {
        return this.queue.mode();
    }

    @Override
    public TaskReceiver receiver(int workerId) {
        return this.queue.receiver(workerId);
    }

    @Override
    public ReplyTarget replyTarget(int replyKey, long replyMtype) {
        return this.queue.replyTarget(replyKey, replyMtype);
    }

    @Override
    public int maxFrameSize() {
        return this.queue.maxFrameSize();
    }

    @Override
    public @Nullable ResultChannel results() {
        return this.queue.results();
    }

    @Override
    public Map<String, Object> details() {
        return this.queue.details();
    }

    @Override
    public void listen() {
        this.queue.listen();
    }

    @Override
    public void wake(int workerId) {
        this.queue.wake(workerId);
    }

    @Override
    public QueueStatus status() {
        return this.queue.status();
    }

    @Override
    public long purge(DroppedFrames dropped) {
        return this.queue.purge(dropped);
    }

    @Override
    public void close() {
        this.queue.close();
    }
}
