package io.github.swooletask.worker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ServiceConfigurationError;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.DispatcherSettings;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.SpillFiles;

import static org.assertj.core.api.Assertions.assertThat;
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
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 20);
        TaskReplies replies = new TaskReplies();
        this.pool = new TaskWorkerPool(this.transport, spill, processor, replies, 2,
                TaskWorkerPool.threadFactory("pool-test-"));
        this.dispatcher = new TaskDispatcher(this.transport, new FrameEncoder(spill),
                DispatcherSettings.of(2).withWorkerSelector(this.pool::selectWorker), replies);
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
}
