package io.github.swooletask.spring.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.spring.retry.DeadLetterDirectoryRecoverer;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.worker.StopReport;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A failing handler is retried with backoff, then handed to the {@link TaskRecoverer} (by default a file in the
 * dead-letter directory); a payload that cannot be converted is rejected without retry; a stop during a long
 * backoff ends at once and still hands the task to the recoverer, as does a handler abandoned at the stop timeout.
 * Tasks with the same id failing together each keep their own dead letter, and a handler overflowing its stack
 * fails its task without killing the worker.
 */
@ExtendWith(OutputCaptureExtension.class)
class RetryAndDeadLetterIntegrationTests {

    @TempDir
    Path root;

    private Path deadLetters() {
        return this.root.resolve("dead");
    }

    private ApplicationContextRunner runner(Handlers handlers) {
        return ReliabilitySupport.runner(this.root).withBean(Handlers.class, () -> handlers)
            .withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.retry.delay=10ms",
                    "swoole.task.retry.multiplier=2", "swoole.task.retry.max-delay=50ms");
    }

    @Test
    void handlerFailingTwiceThenSucceedingRunsThreeTimesAndSucceeds() {
        Handlers handlers = new Handlers();
        runner(handlers).withPropertyValues("swoole.task.retry.max-retries=2").run((context) -> {
            assertThat(context).hasNotFailed();
            context.getBean(TaskWorkerLifecycle.class).start();
            CompletableFuture<String> result = context.getBean(TaskTemplate.class).call("flaky", "hello");
            assertThat(result.get(20, TimeUnit.SECONDS)).isEqualTo("ok:hello");
            assertThat(handlers.flakyCalls.get()).isEqualTo(3);
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await("the task counted as processed").atMost(ReliabilitySupport.DEADLINE)
                .until(() -> pool.statistics().processedCount() == 1);
            assertThat(pool.statistics().failedCount()).isZero();
            ReliabilitySupport.awaitSettled("no run after the success", Duration.ofMillis(100),
                    ReliabilitySupport.DEADLINE, handlers.flakyCalls::get);
            assertThat(handlers.flakyCalls.get()).as("no run after the success").isEqualTo(3);
            assertThat(ReliabilitySupport.filesIn(deadLetters())).as("dead letters").isEmpty();
        });
    }

    @Test
    void handlerAlwaysFailingRunsOnceMorePerRetryThenBecomesOneDeadLetter() throws Exception {
        Handlers handlers = new Handlers();
        byte[] payload = { 'r', 'a', 'w', 0, (byte) 0xFF, '\n', '\n', 'e', 'n', 'd', (byte) 0x80 };
        int[] taskId = new int[1];
        runner(handlers).withPropertyValues("swoole.task.retry.max-retries=1").run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(TaskRecoverer.class)).isInstanceOf(DeadLetterDirectoryRecoverer.class);
            context.getBean(TaskWorkerLifecycle.class).start();
            taskId[0] = context.getBean(TaskTemplate.class).dispatch("always", payload);
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await("the task counted as failed").atMost(ReliabilitySupport.DEADLINE)
                .until(() -> pool.statistics().failedCount() == 1);
            ReliabilitySupport.awaitSettled("no attempt after the last", Duration.ofMillis(200),
                    ReliabilitySupport.DEADLINE, handlers.alwaysCalls::get);
            assertThat(handlers.alwaysCalls.get()).as("first attempt and one retry").isEqualTo(2);
            assertThat(pool.statistics().processedCount()).isZero();
        });
        List<Path> files = ReliabilitySupport.filesIn(deadLetters());
        assertThat(files).hasSize(1);
        Path file = files.get(0);
        assertThat(file.getFileName().toString()).endsWith("-task" + taskId[0] + ".deadletter");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        byte[] content = Files.readAllBytes(file);
        String header = new String(content, 0, indexOfBlankLine(content), StandardCharsets.UTF_8);
        assertThat(header).contains("task-id: " + taskId[0] + "\n", "name: always\n", "attempts: 2\n",
                "handler: Handlers.always\n",
                "reason: java.lang.IllegalStateException: always broken on attempt 2\n");
        assertThat(Arrays.copyOfRange(content, content.length - payload.length, content.length))
            .as("the raw payload bytes at the end").isEqualTo(payload);
        assertThat(content.length).isEqualTo(indexOfBlankLine(content) + 1 + payload.length);
    }

    @Test
    void tasksWithTheSameIdFailingTogetherEachKeepTheirOwnDeadLetter() {
        // external producers number their tasks themselves, so ids repeat (every PHP client starts at 1)
        Handlers handlers = new Handlers();
        int tasks = 400;
        runner(handlers).withPropertyValues("swoole.task.retry.max-retries=0", "swoole.task.worker-num=4")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                context.getBean(TaskWorkerLifecycle.class).start();
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                pool.pause();
                await("workers paused").atMost(ReliabilitySupport.DEADLINE).until(() -> pool.pausedCount() == 4);
                MessageQueue queue = SwooleTaskTestSupport.queue(context);
                for (int i = 0; i < tasks; i++) {
                    RawFrames.send(queue, 2, routedFrame(7, "always", "same id " + i));
                }
                pool.resume();
                await("every task failed").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> pool.statistics().failedCount() == tasks);
            });
        List<Path> files = ReliabilitySupport.filesIn(deadLetters());
        assertThat(files).as("one dead letter per failed task").hasSize(tasks);
        assertThat(files.stream().map(RetryAndDeadLetterIntegrationTests::readString).map((text) -> text.substring(
                text.lastIndexOf('\n') + 1))).as("payloads kept").doesNotHaveDuplicates().hasSize(tasks);
    }

    /** A task frame with a route, as this project's dispatcher writes it, with a chosen task id. */
    private static byte[] routedFrame(int taskId, String route, String payload) {
        byte[] name = route.getBytes(StandardCharsets.UTF_8);
        byte[] text = payload.getBytes(StandardCharsets.UTF_8);
        byte[] data = ByteBuffer.allocate(1 + name.length + text.length).put((byte) name.length).put(name).put(text)
            .array();
        return RawFrames.frame(taskId, TaskFrame.TYPE_TASK, TaskFlags.ROUTED | TaskFlags.NONBLOCK, data);
    }

    private static int indexOfBlankLine(byte[] content) {
        for (int i = 0; i + 1 < content.length; i++) {
            if (content[i] == '\n' && content[i + 1] == '\n') {
                return i + 1;
            }
        }
        throw new AssertionError("no empty line after the header");
    }

    @Test
    void payloadThatCannotBeConvertedIsRejectedWithoutRetryOrDeadLetter() {
        Handlers handlers = new Handlers();
        runner(handlers).withPropertyValues("swoole.task.retry.max-retries=3").run((context) -> {
            assertThat(context).hasNotFailed();
            context.getBean(TaskWorkerLifecycle.class).start();
            CompletableFuture<Object> call = context.getBean(TaskTemplate.class).call("point", "not json at all");
            assertThatThrownBy(() -> call.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("payload is not JSON");
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await("the task counted as rejected").atMost(ReliabilitySupport.DEADLINE)
                .until(() -> pool.statistics().rejectedCount(RejectReason.BAD_PAYLOAD) == 1);
            ReliabilitySupport.awaitSettled("no handler call for the rejected task", Duration.ofMillis(200),
                    ReliabilitySupport.DEADLINE, handlers.pointCalls::get);
            assertThat(handlers.pointCalls.get()).as("handler calls").isZero();
            assertThat(pool.statistics().rejectedCount()).isEqualTo(1);
            assertThat(pool.statistics().failedCount()).isZero();
            // a good task for the same handler still runs
            context.getBean(TaskTemplate.class).dispatch("point", new Point(1, 2));
            await("the good point handled").atMost(ReliabilitySupport.DEADLINE)
                .until(() -> handlers.pointCalls.get() == 1);
        });
        assertThat(ReliabilitySupport.filesIn(deadLetters())).as("dead letters").isEmpty();
    }

    @Test
    void customRecovererReplacesTheDeadLetterDirectory() {
        Handlers handlers = new Handlers();
        List<FailedTask> recovered = new CopyOnWriteArrayList<>();
        TaskRecoverer mine = (task) -> {
            recovered.add(task);
            return "kept by the test";
        };
        runner(handlers).withBean("myRecoverer", TaskRecoverer.class, () -> mine)
            .withPropertyValues("swoole.task.retry.max-retries=1")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBeansOfType(TaskRecoverer.class)).containsOnlyKeys("myRecoverer");
                context.getBean(TaskWorkerLifecycle.class).start();
                CompletableFuture<Object> call = context.getBean(TaskTemplate.class).call("always", "payload-1");
                assertThatThrownBy(() -> call.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("always broken")
                    .hasMessageContaining("kept by the test");
                await("the task recovered").atMost(ReliabilitySupport.DEADLINE).until(() -> recovered.size() == 1);
                FailedTask task = recovered.get(0);
                assertThat(task.route()).isEqualTo("always");
                assertThat(task.attempts()).isEqualTo(2);
                assertThat(task.payload()).isEqualTo("payload-1".getBytes(StandardCharsets.UTF_8));
                assertThat(task.failure()).hasMessage("always broken on attempt 2");
                assertThat(handlers.alwaysCalls.get()).isEqualTo(2);
            });
        assertThat(recovered).hasSize(1);
        assertThat(ReliabilitySupport.filesIn(deadLetters())).as("dead letters").isEmpty();
    }

    @Test
    void stopDuringALongBackoffEndsPromptlyAndRecoversTheTask() {
        Handlers handlers = new Handlers();
        long[] closeNanos = new long[1];
        runner(handlers).withPropertyValues("swoole.task.retry.max-retries=3", "swoole.task.retry.delay=30s",
                "swoole.task.retry.max-delay=60s", "swoole.task.shutdown-timeout=20s").run((context) -> {
                    assertThat(context).hasNotFailed();
                    TaskWorkerLifecycle lifecycle = context.getBean(TaskWorkerLifecycle.class);
                    lifecycle.start();
                    context.getBean(TaskTemplate.class).dispatch("always", "waits for a retry");
                    TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                    await("the first attempt").atMost(ReliabilitySupport.DEADLINE)
                        .until(() -> handlers.alwaysCalls.get() == 1);
                    ReliabilitySupport.awaitSettled("the worker to wait in backoff", Duration.ofMillis(200),
                            ReliabilitySupport.DEADLINE, () -> pool.activeCount() + " busy, "
                                    + handlers.alwaysCalls.get() + " attempts");
                    assertThat(pool.activeCount()).as("a worker waits in backoff").isEqualTo(1);
                    assertThat(ReliabilitySupport.filesIn(deadLetters())).isEmpty();
                    long start = System.nanoTime();
                    context.close();
                    closeNanos[0] = System.nanoTime() - start;
                    assertThat(lifecycle.lastStop().clean())
                        .as("nothing abandoned").isTrue();
                });
        assertThat(Duration.ofNanos(closeNanos[0])).as("context close during a 30 s backoff")
            .isLessThan(Duration.ofSeconds(10));
        assertThat(handlers.alwaysCalls.get()).as("no retry after the stop").isEqualTo(1);
        List<Path> files = ReliabilitySupport.filesIn(deadLetters());
        assertThat(files).hasSize(1);
        assertThat(readString(files.get(0))).contains("attempts: 1\n", "always broken on attempt 1")
            .endsWith("\n\nwaits for a retry");
    }

    @Test
    void handlerAbandonedAtStopStillReachesTheDeadLetterDirectory() {
        // a handler that notices the interrupt and throws, leaving the interrupt flag set (as much I/O code does)
        Handlers handlers = new Handlers();
        Object[] lastStop = new Object[1];
        int[] taskId = new int[1];
        runner(handlers).withPropertyValues("swoole.task.retry.max-retries=2", "swoole.task.shutdown-timeout=300ms")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                TaskWorkerLifecycle lifecycle = context.getBean(TaskWorkerLifecycle.class);
                lifecycle.start();
                taskId[0] = context.getBean(TaskTemplate.class).dispatch("stubborn", "abandoned payload");
                await("the stubborn handler running").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> handlers.stubbornCalls.get() == 1);
                context.close();
                lastStop[0] = lifecycle.lastStop();
            });
        assertThat(((StopReport) lastStop[0]).abandonedTaskIds())
            .as("abandoned task ids").containsExactly(taskId[0]);
        await("the abandoned task in the dead-letter directory").atMost(ReliabilitySupport.DEADLINE)
            .until(() -> ReliabilitySupport.filesIn(deadLetters()).size() == 1
                        && readString(ReliabilitySupport.filesIn(deadLetters()).get(0)).endsWith("abandoned payload"));
        assertThat(readString(ReliabilitySupport.filesIn(deadLetters()).get(0)))
            .contains("attempts: 1\n", "interrupted, giving up");
        assertThat(handlers.stubbornCalls.get()).as("no retry after the stop").isEqualTo(1);
    }

    @Test
    void aHandlerThatIgnoresTheInterruptHasItsTaskDeadLetteredWhenTheStopGivesUp() {
        Handlers handlers = new Handlers();
        Object[] lastStop = new Object[1];
        try {
            runner(handlers).withPropertyValues("swoole.task.shutdown-timeout=200ms")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    TaskWorkerLifecycle lifecycle = context.getBean(TaskWorkerLifecycle.class);
                    context.getBean(TaskTemplate.class).dispatch("deaf", "given up payload");
                    await("the deaf handler running").atMost(ReliabilitySupport.DEADLINE)
                        .until(() -> handlers.deafCalls.get() == 1);
                    lifecycle.stop();
                    lastStop[0] = lifecycle.lastStop();
                });
        }
        finally {
            handlers.deafRelease.countDown();
        }
        assertThat(((StopReport) lastStop[0]).stuckWorkers()).isEqualTo(1);
        List<Path> files = ReliabilitySupport.filesIn(deadLetters());
        assertThat(files).singleElement().satisfies((file) -> assertThat(readString(file))
            .contains("attempts: 0\n", "ignored the interrupt")
            .endsWith("\n\ngiven up payload"));
    }

    @Test
    void aFloodOfFailingTasksLogsABurstAndCountsTheRest(CapturedOutput output) {
        Handlers handlers = new Handlers();
        runner(handlers).withPropertyValues("swoole.task.retry.max-retries=0", "swoole.task.dead-letter.enabled=false")
            .run((context) -> {
                TaskTemplate tasks = context.getBean(TaskTemplate.class);
                for (int i = 0; i < 300; i++) {
                    tasks.dispatch("always", "flood " + i);
                }
                await().atMost(ReliabilitySupport.DEADLINE).until(() -> handlers.alwaysCalls.get() == 300);
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                await().atMost(ReliabilitySupport.DEADLINE).until(() -> pool.statistics().failedCount() == 300);
                // a failure in a later second is logged, with the count of those that were not
                Thread.sleep(1100);
                tasks.dispatch("always", "after the flood");
                await().atMost(ReliabilitySupport.DEADLINE).until(() -> pool.statistics().failedCount() == 301);
            });
        long logged = output.getAll().lines().filter((line) -> line.contains("ERROR") && line.contains(" failed on "))
            .count();
        // ten a second with their stack trace: 300 failures in a few seconds log far fewer than 300 lines
        assertThat(logged).isPositive().isLessThan(150);
        assertThat(output.getAll()).contains("earlier failure(s) were not logged each");
    }

    @Test
    void handlerOverflowingItsStackDoesNotKillTheWorker() {
        Handlers handlers = new Handlers();
        runner(handlers).withPropertyValues("swoole.task.retry.max-retries=0", "swoole.task.worker-num=1")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                context.getBean(TaskWorkerLifecycle.class).start();
                TaskTemplate tasks = context.getBean(TaskTemplate.class);
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                tasks.dispatch("recurse", "deep");
                await("the overflowing task counted as failed").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> pool.statistics().failedCount() == 1);
                for (int i = 0; i < 3; i++) {
                    tasks.dispatch("point", new Point(i, i));
                }
                await("tasks after the overflow handled by the only worker").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> handlers.pointCalls.get() == 3);
                assertThat(pool.deadCount()).as("dead workers").isZero();
            });
        List<Path> files = ReliabilitySupport.filesIn(deadLetters());
        assertThat(files).as("the overflowing task kept as a dead letter").hasSize(1);
        assertThat(readString(files.get(0))).contains("StackOverflowError").endsWith("\n\ndeep");
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    record Point(int x, int y) {
    }

    static class Handlers {

        final AtomicInteger flakyCalls = new AtomicInteger();

        final AtomicInteger alwaysCalls = new AtomicInteger();

        final AtomicInteger pointCalls = new AtomicInteger();

        final AtomicInteger stubbornCalls = new AtomicInteger();

        final AtomicInteger deafCalls = new AtomicInteger();

        final CountDownLatch deafRelease = new CountDownLatch(1);

        /** Swallows every interrupt until released: a stop cannot end it. */
        @TaskHandler("deaf")
        public void deaf(String payload) {
            this.deafCalls.incrementAndGet();
            while (true) {
                try {
                    if (this.deafRelease.await(10, TimeUnit.SECONDS)) {
                        return;
                    }
                }
                catch (InterruptedException ex) {
                    // ignored on purpose
                }
            }
        }

        @TaskHandler("flaky")
        public String flaky(String text) {
            int call = this.flakyCalls.incrementAndGet();
            if (call <= 2) {
                throw new IllegalStateException("flaky failure " + call);
            }
            return "ok:" + text;
        }

        @TaskHandler("always")
        public void always(byte[] payload) {
            int call = this.alwaysCalls.incrementAndGet();
            throw new IllegalStateException("always broken on attempt " + call);
        }

        @TaskHandler("stubborn")
        public void stubborn(String payload) {
            this.stubbornCalls.incrementAndGet();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Thread.currentThread().isInterrupted() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            throw new IllegalStateException("interrupted, giving up");
        }

        @TaskHandler("recurse")
        public int recurse(String payload) {
            return recurse(payload + ".") + 1;
        }

        @TaskHandler("point")
        public void point(Point point) {
            this.pointCalls.incrementAndGet();
        }
    }
}
