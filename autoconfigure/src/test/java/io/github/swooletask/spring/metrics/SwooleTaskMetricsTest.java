package io.github.swooletask.spring.metrics;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.DispatcherSettings;
import io.github.swooletask.dispatch.FullQueuePolicy;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.sysv.MessageQueueException;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.worker.ReplySink;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/** {@link SwooleTaskMetrics} on a stand-in transport: meter names, the status cache, NaN, dispatch results. */
class SwooleTaskMetricsTest {

    /** Far longer than the status cache. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private final FakeTransport transport = new FakeTransport();

    private TaskWorkerPool pool;

    private TaskDispatcher dispatcher;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void setUp() {
        SpillFiles spillFiles = new SpillFiles(this.tmp, 1 << 20);
        this.pool = new TaskWorkerPool(this.transport, spillFiles, (task) -> null, ReplySink.NONE, 3,
                TaskWorkerPool.threadFactory("metrics-test-"));
        this.dispatcher = new TaskDispatcher(this.transport, new FrameEncoder(spillFiles),
                DispatcherSettings.of(3).withFullQueuePolicy(FullQueuePolicy.FAIL, Duration.ofMillis(10)),
                new TaskReplies());
        new SwooleTaskMetrics(this.transport, this.pool, this.dispatcher).bindTo(this.registry);
    }

    @Test
    void registersTheContractMeters() {
        assertThat(this.registry.get("swoole.task.queue.depth").gauge()).isNotNull();
        assertThat(this.registry.get("swoole.task.queue.bytes").gauge()).isNotNull();
        assertThat(this.registry.get("swoole.task.queue.capacity").gauge()).isNotNull();
        assertThat(this.registry.get("swoole.task.workers.active").gauge().value()).isZero();
        assertThat(this.registry.get("swoole.task.workers").gauge().value()).isEqualTo(3);
        assertThat(this.registry.get("swoole.task.dispatched").functionCounters()).hasSize(3)
            .extracting((counter) -> counter.getId().getTag("result"))
            .containsExactlyInAnyOrder("success", "full", "error");
        assertThat(this.registry.get("swoole.task.rejected").functionCounters())
            .hasSize(RejectReason.values().length)
            .extracting((counter) -> counter.getId().getTag("reason"))
            .contains("short-header", "length-mismatch", "spill-path", "bad-payload", "no-handler");
        assertThat(this.registry.get("swoole.task.failed").functionCounter().count()).isZero();
        assertThat(this.registry.find("swoole.task.processed").meter())
            .as("tasks that returned are the execution timer's successes").isNull();
        assertThat(this.registry.find("swoole.task.execution").meter()).as("timed by TaskExecutionMetrics").isNull();
        for (Meter meter : this.registry.getMeters()) {
            assertThat(meter.getId().getName()).startsWith("swoole.task.");
            assertThat(meter.getId().getTags()).allSatisfy((tag) -> assertThat(tag.getKey()).isIn("result", "reason"));
        }
    }

    @Test
    void queueGaugesShareOneStatusReadWithinTheCacheTime() {
        this.transport.depth = 7;
        double depth = this.registry.get("swoole.task.queue.depth").gauge().value();
        double bytes = this.registry.get("swoole.task.queue.bytes").gauge().value();
        double capacity = this.registry.get("swoole.task.queue.capacity").gauge().value();
        assertThat(this.transport.statusCalls.get()).isEqualTo(1);
        assertThat(depth).isEqualTo(7);
        assertThat(bytes).isEqualTo(7 * 40);
        assertThat(capacity).isEqualTo(16384);

        this.transport.depth = 9;
        await("the status cache to expire").atMost(DEADLINE)
            .until(() -> this.registry.get("swoole.task.queue.depth").gauge().value() == 9);
        assertThat(this.registry.get("swoole.task.queue.depth").gauge().value()).isEqualTo(9);
        assertThat(this.registry.get("swoole.task.queue.bytes").gauge().value()).isEqualTo(9 * 40);
        assertThat(this.transport.statusCalls.get()).isEqualTo(2);
    }

    @Test
    void unreadableStatusIsNaNNotAnException() {
        this.transport.failStatus = true;
        assertThat(this.registry.get("swoole.task.queue.depth").gauge().value()).isNaN();
        assertThat(this.registry.get("swoole.task.queue.bytes").gauge().value()).isNaN();
        assertThat(this.registry.get("swoole.task.queue.capacity").gauge().value()).isNaN();
        assertThat(this.transport.statusCalls.get()).isEqualTo(1);

        this.transport.failStatus = false;
        await("the status cache to expire").atMost(DEADLINE)
            .until(() -> !Double.isNaN(this.registry.get("swoole.task.queue.capacity").gauge().value()));
        assertThat(this.registry.get("swoole.task.queue.capacity").gauge().value()).isEqualTo(16384);
    }

    @Test
    void countsDispatchesByResult() {
        OutgoingTask task = OutgoingTask.of(0, "x".getBytes());
        this.dispatcher.dispatch(task);
        this.dispatcher.dispatch(task);
        this.transport.full = true;
        assertThatExceptionOfType(QueueFullException.class).isThrownBy(() -> this.dispatcher.dispatch(task));
        this.transport.full = false;
        this.transport.failSend = true;
        assertThatExceptionOfType(MessageQueueException.class).isThrownBy(() -> this.dispatcher.dispatch(task));
        assertThat(dispatched("success")).isEqualTo(2);
        assertThat(dispatched("full")).isEqualTo(1);
        assertThat(dispatched("error")).isEqualTo(1);
    }

    private double dispatched(String result) {
        return this.registry.get("swoole.task.dispatched").tag("result", result).functionCounter().count();
    }

    /** A transport that only answers status() and counts its calls. */
    static final class FakeTransport implements TaskTransport {

        final AtomicInteger statusCalls = new AtomicInteger();

        volatile long depth;

        volatile boolean failStatus;

        volatile boolean full;

        volatile boolean failSend;

        @Override
        public IpcMode mode() {
            return IpcMode.MSGQUEUE_PREEMPTIVE;
        }

        @Override
        public TaskReceiver receiver(int workerId) {
            return (buffer) -> -1;
        }

        @Override
        public boolean send(FrameBuffer buffer, int length, int workerId, boolean wait) {
            if (this.failSend) {
                throw new MessageQueueException("queue removed", 43);
            }
            return !this.full;
        }

        @Override
        public void wake(int workerId) {
        }

        @Override
        public QueueStatus status() {
            this.statusCalls.incrementAndGet();
            if (this.failStatus) {
                throw new MessageQueueException("permission denied", 13);
            }
            return new QueueStatus(IpcMode.MSGQUEUE_PREEMPTIVE, "private", 42, "0600", this.depth, this.depth * 40,
                    16384, 0, 0);
        }

        @Override
        public long purge(DroppedFrames dropped) {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
