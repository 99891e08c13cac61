package io.github.swooletask.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.github.swooletask.php.PhpSerializeException;
import io.github.swooletask.php.PhpUnserializer;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.WireFormat;
import io.github.swooletask.worker.ReplySink;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker pool on a real System V queue for interop tests: records every task it runs, decodes SERIALIZE payloads
 * with {@link PhpUnserializer} (broken data becomes a {@link RejectReason#BAD_PAYLOAD} rejection), and tears down
 * pool and transport in that order whatever happened. The queue is the test's own, from a {@link SysVQueueExtension}
 * that removes it.
 */
public final class LivePool implements AutoCloseable {

    /** The longest a test waits for the workers. */
    static final Duration DEADLINE = Duration.ofSeconds(60);

    /** What a worker saw of one task. */
    record Received(int taskId, int fromId, int flags, String route, int workerId, long mtype, byte[] payload,
            Object value, WireFormat format) {

        String text() {
            return new String(this.payload, StandardCharsets.UTF_8);
        }
    }

    final MessageQueue queue;

    final SysVTransport transport;

    final SpillFiles spill;

    final TaskWorkerPool pool;

    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

    private boolean closed;

    private LivePool(MessageQueue queue, IpcMode mode, int workers, SpillFiles spill) {
        this.queue = queue;
        this.spill = spill;
        SysVTransport transport = new SysVTransport(queue, mode, 2);
        TaskWorkerPool pool = null;
        try {
            pool = new TaskWorkerPool(transport, spill, this::process, ReplySink.NONE, workers,
                    TaskWorkerPool.threadFactory("interop-worker-"));
            pool.start();
        }
        catch (RuntimeException | Error ex) {
            if (pool != null) {
                pool.stop(Duration.ofSeconds(5));
            }
            transport.close();
            throw ex;
        }
        this.transport = transport;
        this.pool = pool;
    }

    /** A pool on the test's queue. */
    static LivePool on(MessageQueue queue, IpcMode mode, int workers, SpillFiles spill) {
        return new LivePool(queue, mode, workers, spill);
    }

    private Object process(DecodedTask task) throws FrameRejectedException {
        byte[] payload = task.payloadBytes();
        Object value = null;
        if ((task.flags() & TaskFlags.SERIALIZE) != 0) {
            try {
                value = PhpUnserializer.read(payload);
            }
            catch (PhpSerializeException ex) {
                throw new FrameRejectedException(RejectReason.BAD_PAYLOAD, "task " + task.taskId() + ": "
                        + ex.getMessage(), ex);
            }
        }
        this.received.add(new Received(task.taskId(), task.fromId(), task.flags(), task.route(), task.workerId(),
                (Long) task.delivery().get(SysVTransport.MTYPE), payload, value, task.format()));
        return null;
    }

    /** Sends a plain text task, NONBLOCK as the PHP client sends it, with mtype 2 (worker 0 in mode 2). */
    void sendText(int taskId, String text) {
        RawFrames.sendTask(this.queue, 2, taskId, text, this.spill.directory());
    }

    /** Waits (up to {@link #DEADLINE}) until at least {@code n} tasks were received; fails otherwise. */
    List<Received> awaitReceived(int n) {
        await(n + " tasks to arrive").atMost(DEADLINE).untilAsserted(() -> assertThat(this.received.size())
            .as(() -> "tasks received; rejected " + this.pool.statistics().rejectedCount() + ", queue "
                    + this.queue.stats())
            .isGreaterThanOrEqualTo(n));
        return new ArrayList<>(this.received);
    }

    /** Waits until every worker is idle in a receive again, then checks none died. */
    void assertWorkersAlive() {
        await("every worker to wait in a receive again").atMost(DEADLINE)
            .untilAsserted(() -> assertThat(states()).as("worker states").containsOnly(WorkerState.RECEIVING));
        assertThat(this.pool.deadCount()).isZero();
    }

    List<WorkerState> states() {
        List<WorkerState> states = new ArrayList<>();
        for (int i = 0; i < this.pool.size(); i++) {
            states.add(this.pool.state(i));
        }
        return states;
    }

    @Override
    public void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        try {
            assertThat(this.pool.stop(Duration.ofSeconds(10)).stuckWorkers()).as("stuck workers").isZero();
        }
        finally {
            this.transport.close();
        }
    }

    /** The spill directory to use for a test's own temporary directory. */
    static SpillFiles spillFiles(Path tmpdir) {
        return new SpillFiles(tmpdir, 1 << 24);
    }
}
