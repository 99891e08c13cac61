package io.github.swooletask.spring.handler;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @TaskHandler(concurrency)} on a real System V queue with one shared worker: a slow handler with reserved
 * workers does not hold back the others, reserved workers that do not start with the application wait for a start,
 * and what they never began at a stop reaches the dead-letter directory.
 */
class ReservedWorkersIntegrationTests {

    @TempDir
    Path root;

    @Test
    void aSlowHandlerWithReservedWorkersLeavesTheSharedWorkerToTheOthers() {
        SwooleTaskTestSupport.runner(this.root)
            .withBean(Handlers.class)
            .withPropertyValues("swoole.task.worker-num=1", "app.slow-workers=1")
            .run((context) -> {
                Handlers handlers = context.getBean(Handlers.class);
                TaskTemplate tasks = context.getBean(TaskTemplate.class);
                for (int i = 0; i < 3; i++) {
                    tasks.dispatch("slow", "slow " + i);
                }
                for (int i = 0; i < 20; i++) {
                    tasks.dispatch("fast " + i);
                }
                await().until(() -> handlers.fast.size() == 20);
                assertThat(handlers.slow).isEmpty();
                assertThat(context.getBean(TaskWorkerPool.class).reservedIds()).containsExactly("slow-tasks");
                handlers.release.countDown();
                await().until(() -> handlers.slow.size() == 3);
            });
    }

    @Test
    void reservedWorkersWithoutAutoStartupRunTheirTasksOnceStarted() {
        SwooleTaskTestSupport.runner(this.root)
            .withBean(LateHandlers.class)
            .run((context) -> {
                LateHandlers handlers = context.getBean(LateHandlers.class);
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                context.getBean(TaskTemplate.class).dispatch("late", "held back");
                context.getBean(TaskTemplate.class).dispatch("not held back");
                await().until(() -> handlers.seen.contains("not held back"));
                assertThat(pool.isReservedRunning("late-tasks")).isFalse();
                assertThat(handlers.seen).doesNotContain("held back");
                pool.startReserved("late-tasks");
                await().until(() -> handlers.seen.contains("held back"));
            });
    }

    @Test
    void aTaskNeverBegunByItsReservedWorkersAtAStopIsDeadLettered() throws Exception {
        Path deadLetters = this.root.resolve("dead-letters");
        SwooleTaskTestSupport.runner(this.root)
            .withBean(LateHandlers.class)
            .run((context) -> {
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                context.getBean(TaskTemplate.class).dispatch("late", "never begun");
                await().until(() -> pool.statistics().receivedCount() == 1);
                context.getBean(TaskWorkerLifecycle.class).stop();
                assertThat(context.getBean(TaskWorkerLifecycle.class).lastStop().abandonedTaskIds()).hasSize(1);
            });
        List<Path> files;
        try (Stream<Path> listed = Files.list(deadLetters)) {
            files = listed.toList();
        }
        assertThat(files).singleElement()
            .satisfies((file) -> assertThat(Files.readString(file))
                .contains("reason: java.util.concurrent.CancellationException: abandoned at a stop: never begun by the"
                        + " reserved workers of 'late-tasks' before the stop")
                .endsWith("\n\nnever begun"));
    }

    /** A slow named handler with a reserved worker, and a fast default one. */
    static class Handlers {

        final CountDownLatch release = new CountDownLatch(1);

        final Set<String> slow = ConcurrentHashMap.newKeySet();

        final Set<String> fast = ConcurrentHashMap.newKeySet();

        @TaskHandler(name = "slow", id = "slow-tasks", concurrency = "${app.slow-workers}")
        void slow(String text) throws InterruptedException {
            this.release.await();
            this.slow.add(text);
        }

        @TaskHandler
        void fast(String text) {
            this.fast.add(text);
        }
    }

    /** A named handler whose reserved worker waits for a start, and a default one. */
    static class LateHandlers {

        final Set<String> seen = ConcurrentHashMap.newKeySet();

        @TaskHandler(name = "late", id = "late-tasks", concurrency = "1", autoStartup = "false")
        void late(String text) {
            this.seen.add(text);
        }

        @TaskHandler
        void other(String text) {
            this.seen.add(text);
        }
    }
}
