package io.github.swooletask.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.github.swooletask.php.PhpSerializeException;
import io.github.swooletask.php.PhpUnserializer;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.worker.ReplySink;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerState;

import static io.github.swooletask.support.Frames.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A worker pool on a real System V queue for interop tests: records every task it runs, decodes SERIALIZE payloads
 * with {@link PhpUnserializer} (broken data becomes a {@link RejectReason#BAD_PAYLOAD} rejection), and tears down
 * pool, transport and queue in that order whatever happened.
 */
public final class LivePool implements AutoCloseable {

    /** What a worker saw of one task. */
    record Received(int taskId, int fromId, int flags, String route, int workerId, long mtype, byte[] payload,
            Object value) {

        String text() {
            return new String(this.payload, StandardCharsets.UTF_8);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    final MessageQueue queue;

    final SysVTransport transport;

    final SpillFiles spill;

    final TaskWorkerPool pool;

    final FrameEncoder encoder;

    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

    private final FrameBuffer sendBuffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);

    private boolean closed;

    private LivePool(MessageQueue queue, IpcMode mode, int workers, SpillFiles spill) {
        this.queue = queue;
        SysVTransport transport = null;
        TaskWorkerPool pool = null;
        try {
            transport = new SysVTransport(queue, mode, 2);
            this.spill = spill;
            this.encoder = new FrameEncoder(spill);
            pool = new TaskWorkerPool(transport, spill, this::process, ReplySink.NONE, workers,
                    TaskWorkerPool.threadFactory("interop-worker-"));
            pool.start();
        }
        catch (RuntimeException | Error ex) {
            if (pool != null) {
                pool.stop(Duration.ofSeconds(5));
            }
            if (transport != null) {
                transport.close();
            }
            queue.remove();
            throw ex;
        }
        this.transport = transport;
        this.pool = pool;
    }

    /** A pool on a new private queue. */
    static LivePool onPrivateQueue(IpcMode mode, int workers, SpillFiles spill) {
        return new LivePool(MessageQueue.createPrivate(0600), mode, workers, spill);
    }

    /** A pool on a new queue with a random key in 0x5157xxxx that no other queue uses now. */
    static LivePool onKeyedQueue(IpcMode mode, int workers, SpillFiles spill) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int key = 0x51570000 | RANDOM.nextInt(0x10000);
            if (key != 0x51570000 && !MessageQueue.exists(key)) {
                return new LivePool(MessageQueue.open(key, 0600), mode, workers, spill);
            }
        }
        throw new IllegalStateException("no free key in 0x5157xxxx");
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
                (Long) task.delivery().get(SysVTransport.MTYPE), payload, value));
        return null;
    }

    /** Sends a plain text task with the encoder, to worker 0 in mode 2. */
    void sendText(int taskId, String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int length = this.encoder.encode(this.sendBuffer.frame(), task(null, null, payload, 0, payload.length), taskId, 0, TaskFlags.NONBLOCK);
        assertThat(this.transport.send(this.sendBuffer, length, 0, true)).isTrue();
    }

    /** Sends raw message text with mtype 2 (worker 0 in mode 2, anyone in mode 3). */
    void sendRaw(byte[] text) {
        this.sendBuffer.frame().put(0, text);
        assertThat(this.queue.send(this.sendBuffer, 2, text.length, true)).isTrue();
    }

    /** Waits (up to 60 s) until at least {@code n} tasks were received; fails otherwise. */
    List<Received> awaitReceived(int n) {
        waitFor(() -> this.received.size() >= n, () -> "expected " + n + " tasks, received " + this.received.size()
                + "; rejected " + this.pool.statistics().rejectedCount() + ", queue " + this.queue.stats());
        return new ArrayList<>(this.received);
    }

    /** Waits until every worker is idle in a receive again, then checks none died. */
    void assertWorkersAlive() {
        waitFor(() -> {
            for (int i = 0; i < this.pool.size(); i++) {
                if (this.pool.state(i) != WorkerState.RECEIVING) {
                    return false;
                }
            }
            return true;
        }, () -> "workers not all RECEIVING: " + states());
        assertThat(this.pool.deadCount()).isZero();
    }

    String states() {
        List<WorkerState> states = new ArrayList<>();
        for (int i = 0; i < this.pool.size(); i++) {
            states.add(this.pool.state(i));
        }
        return states.toString();
    }

    /** Waits up to 60 s for the condition, failing with what it was waiting for. */
    public static void waitFor(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("gave up waiting: " + what.get());
            }
            try {
                Thread.sleep(5);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting: " + what.get());
            }
        }
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
            try {
                this.transport.close();
            }
            finally {
                this.queue.remove();
            }
        }
    }

    /** The spill directory to use for a test's own temporary directory. */
    static SpillFiles spillFiles(Path tmpdir) {
        return new SpillFiles(tmpdir, 1 << 24);
    }
}
