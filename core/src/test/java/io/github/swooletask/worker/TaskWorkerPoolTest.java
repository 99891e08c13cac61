package io.github.swooletask.worker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.DispatcherSettings;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/** {@link TaskWorkerPool} on an {@link InMemoryTransport}: stop and start again, a dead worker replaced. */
class TaskWorkerPoolTest {

    @TempDir
    Path tmp;

    private final InMemoryTransport transport = InMemoryTransport.preemptive(2);

    private final Set<String> handled = ConcurrentHashMap.newKeySet();

    private TaskWorkerPool pool;

    private TaskDispatcher dispatcher;

    @AfterEach
    void close() {
        if (this.pool != null) {
            this.pool.stop(Duration.ofSeconds(5));
        }
        if (this.dispatcher != null) {
            this.dispatcher.close();
        }
        this.transport.close();
    }

    private void start(TaskProcessor processor) {
        start(processor, 2, null);
    }

    private void start(TaskProcessor processor, int workers, @Nullable TaskRouting routing) {
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 20);
        TaskReplies replies = new TaskReplies();
        this.pool = new TaskWorkerPool(this.transport, spill, processor, replies, workers,
                TaskWorkerPool.threadFactory("pool-test-"));
        if (routing != null) {
            this.pool.useReservedWorkers(routing);
        }
        this.dispatcher = new TaskDispatcher(this.transport, new FrameEncoder(spill),
                DispatcherSettings.of(workers).withWorkerSelector(this.pool::selectWorker), replies);
        this.pool.start();
    }

    private TaskProcessor recording() {
        return (task) -> {
            this.handled.add(StandardCharsets.UTF_8.decode(task.payload()).toString());
            return null;
        };
    }

    private void dispatch(String payload) {
        this.dispatcher.dispatch(OutgoingTask.of(0, payload.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void startsAgainAfterAStopAnyNumberOfTimes() {
        start(recording());
        for (int round = 0; round < 3; round++) {
            String payload = "round-" + round;
            dispatch(payload);
            await().until(() -> this.handled.contains(payload));
            StopReport report = this.pool.stop(Duration.ofSeconds(5));
            assertThat(report.clean()).isTrue();
            assertThat(this.pool.isRunning()).isFalse();
            this.pool.start();
            assertThat(this.pool.isRunning()).isTrue();
        }
        assertThat(this.pool.statistics().processedCount()).isEqualTo(3);
    }

    @Test
    void aTaskQueuedWhileStoppedRunsAfterTheNextStart() {
        start(recording());
        this.pool.stop(Duration.ofSeconds(5));
        dispatch("while-stopped");
        assertThat(this.transport.status().depth()).isEqualTo(1);
        this.pool.start();
        await().until(() -> this.handled.contains("while-stopped"));
    }

    @Test
    void aWorkerThatDiesOfAnErrorIsReplacedAndThePoolKeepsItsSize() {
        AtomicBoolean thrown = new AtomicBoolean();
        start((task) -> {
            String payload = StandardCharsets.UTF_8.decode(task.payload()).toString();
            if (payload.equals("fatal") && thrown.compareAndSet(false, true)) {
                throw new ServiceConfigurationError("thrown by the test: an Error kills the worker thread");
            }
            this.handled.add(payload);
            return null;
        });
        dispatch("fatal");
        // the Error ends the worker's thread as uncaught: that is the point here, not a test failure
        await().dontCatchUncaughtExceptions().until(() -> this.pool.replacedCount() == 1);
        for (int i = 0; i < 20; i++) {
            dispatch("after-" + i);
        }
        await().until(() -> this.handled.size() == 20);
        assertThat(this.pool.statistics().failedCount()).isEqualTo(1);
        assertThat(this.pool.deadCount()).isZero();
    }

    private static String text(DecodedTask task) {
        return new String(task.payloadBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aSlowHandlerOnReservedWorkersLeavesTheSharedWorkerFreeAndItsMessagesCompleteAfterIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        SlowRouting routing = new SlowRouting(1, true);
        start((task) -> {
            String payload = text(task);
            if (payload.startsWith("slow")) {
                release.await();
            }
            this.handled.add(payload);
            return null;
        }, 1, routing);
        for (int i = 0; i < 5; i++) {
            dispatch("slow-" + i);
        }
        for (int i = 0; i < 20; i++) {
            dispatch("fast-" + i);
        }
        // one shared worker: without the reserved thread the first slow task would hold every fast one back
        await().until(() -> this.handled.size() == 20);
        assertThat(this.handled).allMatch((payload) -> payload.startsWith("fast"));
        await().until(() -> this.pool.activeCount() == 1);
        release.countDown();
        await().until(() -> this.handled.size() == 25);
        assertThat(routing.abandoned).isEmpty();
    }

    @Test
    void reservedWorkersThatDoNotStartWithThePoolRunTheirTasksOnceStarted() {
        SlowRouting routing = new SlowRouting(2, false);
        start(recording(), 2, routing);
        dispatch("slow-waiting");
        dispatch("fast-meanwhile");
        await().until(() -> this.handled.contains("fast-meanwhile"));
        assertThat(this.pool.isReservedRunning("slow")).isFalse();
        assertThat(this.handled).doesNotContain("slow-waiting");
        this.pool.startReserved("slow");
        await().until(() -> this.handled.contains("slow-waiting"));
        assertThat(this.pool.reservedIds()).containsExactly("slow");
    }

    @Test
    void tasksHandedOverButNeverBegunAreGivenUpAtTheStopWithTheirIds() {
        SlowRouting routing = new SlowRouting(1, false);
        start(recording(), 2, routing);
        int first = this.dispatcher.dispatch(OutgoingTask.of(0, "slow-1".getBytes(StandardCharsets.UTF_8)));
        int second = this.dispatcher.dispatch(OutgoingTask.of(0, "slow-2".getBytes(StandardCharsets.UTF_8)));
        await().until(() -> this.transport.status().depth() == 0);
        await().until(() -> this.pool.statistics().receivedCount() == 2);
        StopReport report = this.pool.stop(Duration.ofSeconds(5));
        assertThat(report.abandonedTaskIds()).containsExactlyInAnyOrder(first, second);
        assertThat(routing.abandoned).containsExactlyInAnyOrder("slow-1", "slow-2");
        assertThat(this.handled).isEmpty();
    }

    @Test
    void reservedWorkersWithABatchSizeRunWhatWaitsAsOneBatchAndAnswerEachTaskOfIt() {
        List<Integer> batches = new CopyOnWriteArrayList<>();
        TaskProcessor processor = new TaskProcessor() {

            @Override
            public Object process(DecodedTask task) {
                TaskWorkerPoolTest.this.handled.add(text(task));
                return null;
            }

            @Override
            public List<BatchOutcome> processBatch(List<DecodedTask> tasks) {
                batches.add(tasks.size());
                List<BatchOutcome> outcomes = new ArrayList<>();
                for (DecodedTask task : tasks) {
                    String payload = text(task);
                    TaskWorkerPoolTest.this.handled.add(payload);
                    outcomes.add(payload.endsWith("bad") ? BatchOutcome.failed(new FrameRejectedException(
                            RejectReason.BAD_PAYLOAD, "task " + task.taskId() + ": bad"))
                            : payload.endsWith("fail") ? BatchOutcome.failed(new IllegalStateException("fails"))
                                    : BatchOutcome.succeeded(payload.length()));
                }
                return outcomes;
            }
        };
        start(processor, 1, new SlowRouting(new ReservedWorkers("slow", 1, false, 50)));
        for (int i = 0; i < 28; i++) {
            dispatch("slow-" + i);
        }
        dispatch("slow-bad");
        dispatch("slow-fail");
        // not started: the 30 tasks wait for the reserved thread, within its backlog of a batch's worth
        await().until(() -> this.pool.reservedBacklog("slow") == 30);
        this.pool.startReserved("slow");
        await().until(() -> this.handled.size() == 30);
        assertThat(batches).as("what waited, as one batch").containsExactly(30);
        // the runner counts each task as it answers it, after the batch ran: wait for the last one
        await().until(() -> this.pool.statistics().failedCount() == 1);
        assertThat(this.pool.statistics().processedCount()).isEqualTo(28);
        assertThat(this.pool.statistics().rejectedCount(RejectReason.BAD_PAYLOAD)).isEqualTo(1);
        dispatch("slow-alone");
        await().until(() -> this.handled.contains("slow-alone"));
        assertThat(batches).as("one task when nothing waits: no lingering for more").containsExactly(30, 1);
    }

    @Test
    void anEmptyBatchIsRejectedAndCounted() {
        start(recording());
        this.transport.post(0, RawFrames.frame(5, TaskFrame.TYPE_TASK, TaskFlags.BATCH, new byte[0]));
        dispatch("after it");
        await().until(() -> this.handled.contains("after it"));
        assertThat(this.pool.statistics().rejectedCount(RejectReason.BAD_FRAME)).isEqualTo(1);
    }

    @Test
    void reservedWorkersNeedAKnownId() {
        start(recording(), 1, new SlowRouting(1, true));
        assertThatIllegalArgumentException().isThrownBy(() -> this.pool.startReserved("nope"))
            .withMessageContaining("no reserved workers for handler 'nope'")
            .withMessageContaining("slow");
    }

    /** Sends tasks whose payload starts with "slow" to one set of reserved workers named "slow". */
    private static final class SlowRouting implements TaskRouting {

        final Set<String> abandoned = ConcurrentHashMap.newKeySet();

        private final ReservedWorkers slow;

        SlowRouting(int threads, boolean autoStartup) {
            this(new ReservedWorkers("slow", threads, autoStartup));
        }

        SlowRouting(ReservedWorkers slow) {
            this.slow = slow;
        }

        @Override
        public List<ReservedWorkers> reservedWorkers() {
            return List.of(this.slow);
        }

        @Override
        public int reservedFor(DecodedTask task) {
            return text(task).startsWith("slow") ? 0 : SHARED;
        }

        @Override
        public void abandoned(DecodedTask task, String why) {
            this.abandoned.add(text(task));
        }
    }
}
