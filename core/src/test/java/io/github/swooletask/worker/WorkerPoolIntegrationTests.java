package io.github.swooletask.worker;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.DispatcherSettings;
import io.github.swooletask.dispatch.FullQueuePolicy;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.TaskName;

import static io.github.swooletask.support.Frames.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Worker pools and dispatchers on a real System V queue. */
class WorkerPoolIntegrationTests {

    /** The longest any wait for the workers takes. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @RegisterExtension
    final SysVQueueExtension queues = SysVQueueExtension.privateQueue();

    @TempDir
    Path tmp;

    private TaskWorkerPool pool;

    private SysVTransport transport;

    @AfterEach
    void cleanUp() {
        try {
            if (this.pool != null) {
                assertThat(this.pool.stop(Duration.ofSeconds(5)).stuckWorkers()).isZero();
            }
        }
        finally {
            if (this.transport != null) {
                this.transport.close();
            }
        }
    }

    private TaskDispatcher start(IpcMode mode, int workers, TaskProcessor processor) {
        SysVTransport transport = new SysVTransport(this.queues.queue(), mode, 2);
        this.transport = transport;
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 24);
        TaskReplies replies = new TaskReplies();
        this.pool = new TaskWorkerPool(transport, spill, processor, replies, workers,
                TaskWorkerPool.threadFactory("test-worker-"));
        this.pool.start();
        DispatcherSettings settings = DispatcherSettings.of(workers)
            .withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofSeconds(5))
            .withWorkerSelector(this.pool::selectWorker);
        return new TaskDispatcher(transport, new FrameEncoder(spill), settings, replies);
    }

    @Test
    void everyTaskArrivesOnceInPreemptiveMode() throws Exception {
        int count = 5000;
        CountDownLatch done = new CountDownLatch(count);
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        TaskDispatcher dispatcher = start(IpcMode.MSGQUEUE_PREEMPTIVE, 2, (task) -> {
            seen.add(StandardCharsets.UTF_8.decode(task.payload()).toString());
            done.countDown();
            return null;
        });
        for (int i = 0; i < count; i++) {
            dispatcher.dispatch(new OutgoingTask(null, 0, null, ("task-" + i).getBytes(StandardCharsets.UTF_8), -1));
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(count).doesNotHaveDuplicates().contains("task-0", "task-" + (count - 1));
        assertThat(this.pool.statistics().processedCount()).isEqualTo(count);
        assertThat(dispatcher.statistics().queuedCount()).isEqualTo(count);
    }

    @Test
    void batchedTasksArriveOnceEachWithResults() throws Exception {
        int count = 200_000;
        BitSet seen = new BitSet();
        AtomicInteger duplicates = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(count + 1);
        this.transport = new SysVTransport(this.queues.queue(), IpcMode.MSGQUEUE_PREEMPTIVE, 2);
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 24);
        TaskReplies replies = new TaskReplies();
        this.pool = new TaskWorkerPool(this.transport, spill, (task) -> {
            int n = task.payload().getInt(task.payload().position());
            synchronized (seen) {
                if (seen.get(n)) {
                    duplicates.incrementAndGet();
                }
                seen.set(n);
            }
            done.countDown();
            return n * 2;
        }, replies, 2, TaskWorkerPool.threadFactory("batch-worker-"));
        this.pool.start();
        DispatcherSettings settings = DispatcherSettings.of(2)
            .withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofSeconds(10))
            .withBatching(DispatcherSettings.Batching.on(Duration.ofMillis(1), this.pool.statistics()::receivedCount));
        TaskDispatcher dispatcher = new TaskDispatcher(this.transport, new FrameEncoder(spill), settings, replies);
        try {
            ByteBuffer payload = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
            for (int i = 0; i < count; i++) {
                dispatcher.dispatch(new OutgoingTask(null, 0, null, payload.putInt(0, i).array(), -1));
            }
            CompletableFuture<Object> last = dispatcher.call(new OutgoingTask(null, 0, null,
                    payload.putInt(0, count).array(), -1), Duration.ofSeconds(10));
            assertThat(last.get(10, TimeUnit.SECONDS)).isEqualTo(2 * count);
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        }
        finally {
            dispatcher.close();
        }
        assertThat(seen.cardinality()).isEqualTo(count + 1);
        assertThat(duplicates.get()).isZero();
        assertThat(dispatcher.statistics().queuedCount()).isEqualTo(count + 1);
        assertThat(this.pool.statistics().processedCount()).isEqualTo(count + 1);
        assertThat(this.pool.statistics().receivedCount()).as("some messages carried several tasks")
            .isLessThan(count);
    }

    @Test
    void directedTasksReachTheirWorker() throws Exception {
        int perWorker = 200;
        CountDownLatch done = new CountDownLatch(3 * perWorker);
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        TaskDispatcher dispatcher = start(IpcMode.MSGQUEUE, 3, (task) -> {
            seen.add(task.workerId() + ":" + StandardCharsets.UTF_8.decode(task.payload()) + ":"
                    + task.delivery().get(SysVTransport.MTYPE));
            done.countDown();
            return null;
        });
        for (int i = 0; i < perWorker; i++) {
            for (int w = 0; w < 3; w++) {
                dispatcher.dispatch(new OutgoingTask(null, 0, null,
                        Integer.toString(w).getBytes(StandardCharsets.UTF_8),
                        w));
            }
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(3 * perWorker)
            .allSatisfy((s) -> {
                String[] parts = s.split(":");
                assertThat(parts[0]).isEqualTo(parts[1]);
                assertThat(Long.parseLong(parts[2])).isEqualTo(Long.parseLong(parts[0]) + 2);
            });
        assertThatThrownBy(() -> dispatcher.dispatch(new OutgoingTask(null, 0, null, new byte[1], 3)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worker 3 does not exist");
    }

    @Test
    void callCompletesWithTheResultOrTheFailure() throws Exception {
        TaskDispatcher dispatcher = start(IpcMode.MSGQUEUE_PREEMPTIVE, 2, (task) -> {
            String text = StandardCharsets.UTF_8.decode(task.payload()).toString();
            if (text.equals("boom")) {
                throw new IllegalStateException("boom!");
            }
            return text.toUpperCase();
        });
        CompletableFuture<Object> ok = dispatcher.call(new OutgoingTask(null, 0, null, "hello".getBytes(), -1),
                Duration.ofSeconds(5));
        CompletableFuture<Object> bad = dispatcher.call(new OutgoingTask(null, 0, null, "boom".getBytes(), -1),
                Duration.ofSeconds(5));
        assertThat(ok.get(5, TimeUnit.SECONDS)).isEqualTo("HELLO");
        assertThatThrownBy(() -> bad.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
            .hasRootCauseMessage("boom!");
        assertThat(this.pool.statistics().failedCount()).isEqualTo(1);
    }

    @Test
    void largePayloadsTravelThroughSpillFilesThatAreDeleted() throws Exception {
        CountDownLatch done = new CountDownLatch(2);
        ConcurrentLinkedQueue<Integer> sizes = new ConcurrentLinkedQueue<>();
        TaskDispatcher dispatcher = start(IpcMode.MSGQUEUE_PREEMPTIVE, 1, (task) -> {
            sizes.add(task.payloadLength());
            done.countDown();
            return null;
        });
        dispatcher.dispatch(new OutgoingTask(null, 0, null, new byte[8179], -1));
        dispatcher.dispatch(new OutgoingTask(TaskName.of("big"), 0, null, new byte[100_000], -1));
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sizes).containsExactly(8179, 100_000);
        try (var files = Files.list(this.tmp)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void malformedMessagesAreRejectedAndTheWorkerGoesOn() throws Exception {
        CountDownLatch done = new CountDownLatch(2);
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        TaskDispatcher dispatcher = start(IpcMode.MSGQUEUE_PREEMPTIVE, 1, (task) -> {
            seen.add(StandardCharsets.UTF_8.decode(task.payload()).toString());
            done.countDown();
            return null;
        });
        dispatcher.dispatch(new OutgoingTask(null, 0, null, "before".getBytes(), -1));
        RawFrames.send(this.queues.queue(), 2, new byte[5]);
        dispatcher.dispatch(new OutgoingTask(null, 0, null, "after".getBytes(), -1));
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("before", "after");
        assertThat(this.pool.statistics().rejectedCount(RejectReason.SHORT_HEADER)).isEqualTo(1);
    }

    @Test
    void aBadFrameInsideABatchIsRejectedAndTheOthersRun() throws Exception {
        CountDownLatch done = new CountDownLatch(2);
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        start(IpcMode.MSGQUEUE_PREEMPTIVE, 1, (task) -> {
            seen.add(StandardCharsets.UTF_8.decode(task.payload()).toString());
            done.countDown();
            return null;
        });
        ByteBuffer text = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
        int at = TaskFrame.HEADER_SIZE;
        at = FrameEncoder.appendToBatch(text, at, task(null, null, "first".getBytes(), 0, 5), 1, 0, 0);
        // a frame whose length fits but whose flags carry a bit nobody knows
        at = FrameEncoder.appendToBatch(text, at, task(null, null, "odd".getBytes(), 0, 3), 2, 0, 0x8000);
        at = FrameEncoder.appendToBatch(text, at, task(null, null, "third".getBytes(), 0, 5), 3, 0, 0);
        FrameEncoder.putBatchHeader(text, at - TaskFrame.HEADER_SIZE);
        RawFrames.send(this.queues.queue(), 2, Arrays.copyOf(text.array(), at));
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("first", "third");
        assertThat(this.pool.statistics().rejectedCount(RejectReason.BAD_FLAGS)).isEqualTo(1);
    }

    @Test
    void pauseStopsConsumingAndResumeDrains() throws Exception {
        CountDownLatch done = new CountDownLatch(10);
        TaskDispatcher dispatcher = start(IpcMode.MSGQUEUE_PREEMPTIVE, 2, (task) -> {
            done.countDown();
            return null;
        });
        await("both workers to wait in a receive").atMost(DEADLINE)
            .until(() -> this.pool.state(0) == WorkerState.RECEIVING
                && this.pool.state(1) == WorkerState.RECEIVING);
        this.pool.pause();
        await("both workers to pause").atMost(DEADLINE).until(() -> this.pool.pausedCount() == 2);
        for (int i = 0; i < 10; i++) {
            dispatcher.dispatch(new OutgoingTask(null, 0, null, new byte[] { 1 }, -1));
        }
        MessageQueue queue = this.queues.queue();
        await("the paused workers to leave the tasks queued").during(Duration.ofMillis(200)).atMost(DEADLINE)
            .until(() -> queue.stats().messages() == 10);
        assertThat(queue.stats().messages()).isEqualTo(10);
        this.pool.resume();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void stopWaitsForRunningTasksAndReportsTheAbandoned() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        TaskDispatcher dispatcher = start(IpcMode.MSGQUEUE_PREEMPTIVE, 1, (task) -> {
            started.countDown();
            // busy until the stop interrupts it
            never.await(10, TimeUnit.SECONDS);
            return null;
        });
        int id = dispatcher.dispatch(new OutgoingTask(null, 0, null, new byte[] { 1 }, -1));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        StopReport report = this.pool.stop(Duration.ofMillis(200));
        assertThat(report.abandonedTaskIds()).isEqualTo(List.of(id));
    }

    @Test
    void idleWorkersStopPromptly() {
        start(IpcMode.MSGQUEUE, 3, (task) -> null);
        await("workers 0 and 2 to wait in a receive").atMost(DEADLINE)
            .until(() -> this.pool.state(0) == WorkerState.RECEIVING && this.pool.state(2) == WorkerState.RECEIVING);
        long t0 = System.nanoTime();
        StopReport report = this.pool.stop(Duration.ofSeconds(5));
        assertThat(report.clean()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
    }
}
