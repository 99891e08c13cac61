package io.github.swooletask.worker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ServiceConfigurationError;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.dispatch.TaskReplies;
import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.SpillFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@link ConsumerProblems} on an {@link InMemoryTransport}: a stuck worker and a starved queue. */
class ConsumerProblemsTest {

    @TempDir
    Path tmp;

    private InMemoryTransport transport;

    private TaskWorkerPool pool;

    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        this.release.countDown();
        if (this.pool != null) {
            this.pool.stop(Duration.ofSeconds(5));
        }
        this.transport.close();
    }

    private void start(IpcMode mode, int queues, int workers) {
        this.transport = new InMemoryTransport(mode, queues, 1 << 20);
        this.pool = new TaskWorkerPool(this.transport, new SpillFiles(this.tmp, 1 << 20), (task) -> {
            String text = new String(task.payloadBytes(), StandardCharsets.UTF_8);
            if (text.equals("hold")) {
                this.release.await();
            }
            if (text.equals("die")) {
                throw new ServiceConfigurationError("thrown by the test: an Error kills the worker thread");
            }
            return null;
        }, new TaskReplies(), workers, TaskWorkerPool.threadFactory("problems-test-"));
        this.pool.start();
    }

    @Test
    void aDeadWorkerIsReportedUntilItsReplacement() {
        start(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1);
        this.pool.firstReplacementDelayMillis = 3_600_000;
        ConsumerProblems problems = new ConsumerProblems(this.pool, this.transport, Duration.ofMinutes(1),
                Duration.ofMinutes(1));
        this.transport.post(0, RawFrames.task(9, "die"));
        await().dontCatchUncaughtExceptions().until(() -> this.pool.deadCount() == 1);
        assertThat(problems.find()).singleElement().asString()
            .startsWith("1 task worker(s) died of an unexpected error and wait for their replacement")
            .endsWith("0 replaced so far");
    }

    @Test
    void noProblemsWhileTheWorkersKeepUp() {
        start(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1);
        ConsumerProblems problems = new ConsumerProblems(this.pool, this.transport, Duration.ofMinutes(1),
                Duration.ZERO);
        this.transport.post(0, RawFrames.task(1, "quick"));
        await().until(() -> this.pool.statistics().processedCount() == 1);
        assertThat(problems.find()).isEmpty();
        assertThat(problems.find()).isEmpty();
    }

    @Test
    void aWorkerOnOneMessageLongerThanStuckAfterIsReported() {
        start(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1);
        ConsumerProblems problems = new ConsumerProblems(this.pool, this.transport, Duration.ofMillis(1),
                Duration.ofMinutes(1));
        this.transport.post(0, RawFrames.task(42, "hold"));
        await().until(() -> !problems.find().isEmpty());
        assertThat(problems.find()).singleElement().asString()
            .startsWith("task worker 0 has been on task 42 for ")
            .contains("longer than stuck-after (0.001 s)");
        this.release.countDown();
        await().until(() -> problems.find().isEmpty());
    }

    @Test
    void messagesNoWorkerReadsWhileEveryWorkerIsIdleAreReportedOnTheNextCheck() {
        // two queues as in ipc-mode 2 with two workers, but only worker 0 runs: worker 1's messages wait for good
        start(IpcMode.MSGQUEUE, 2, 1);
        ConsumerProblems problems = new ConsumerProblems(this.pool, this.transport, Duration.ofMinutes(1),
                Duration.ZERO);
        this.transport.post(1, RawFrames.task(7, "for a worker that does not exist"));
        assertThat(problems.find()).as("the first check starts the clock").isEmpty();
        assertThat(problems.find()).singleElement().asString()
            .startsWith("1 message(s) wait in the queue while every worker is idle")
            .contains("a type no worker reads");
        this.transport.purge(DroppedFrames.NONE);
        assertThat(problems.find()).isEmpty();
    }
}
