package io.github.swooletask.spring.lifecycle;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.worker.StopReport;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link TaskWorkerLifecycle} in application contexts on real System V queues and Unix sockets: stop and start any
 * number of times, the asynchronous stop, lazy initialization, and an application without handlers.
 */
@ExtendWith(OutputCaptureExtension.class)
class TaskWorkerLifecycleIntegrationTests {

    @TempDir
    Path root;

    @Test
    void aContextStoppedAndStartedAgainKeepsHandlingTasks() {
        SwooleTaskTestSupport.runner(this.root).withBean(RecordingHandler.class).run((context) -> {
            ConfigurableApplicationContext source = (ConfigurableApplicationContext) context.getSourceApplicationContext();
            TaskTemplate tasks = context.getBean(TaskTemplate.class);
            RecordingHandler handler = context.getBean(RecordingHandler.class);
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            tasks.dispatch("before");
            await().until(() -> handler.seen.contains("before"));
            for (int round = 0; round < 3; round++) {
                source.stop();
                assertThat(pool.isRunning()).isFalse();
                assertThat(context.getBean(TaskWorkerLifecycle.class).lastStop()).extracting(StopReport::clean)
                    .isEqualTo(true);
                String whileStopped = "while stopped " + round;
                tasks.dispatch(whileStopped);
                source.start();
                assertThat(pool.isRunning()).isTrue();
                String afterStart = "after start " + round;
                tasks.dispatch(afterStart);
                await().until(() -> handler.seen.containsAll(Set.of(whileStopped, afterStart)));
            }
        });
    }

    @Test
    void aPausedContextRestartsAndHandlesTasksPostedMeanwhile() {
        SwooleTaskTestSupport.runner(this.root).withBean(RecordingHandler.class).run((context) -> {
            ConfigurableApplicationContext source = (ConfigurableApplicationContext) context.getSourceApplicationContext();
            RecordingHandler handler = context.getBean(RecordingHandler.class);
            source.pause();
            assertThat(context.getBean(TaskWorkerPool.class).isRunning()).isFalse();
            RawFrames.send(SwooleTaskTestSupport.queue(context), 2, RawFrames.task(41, "posted while paused"));
            source.restart();
            await().until(() -> handler.seen.contains("posted while paused"));
        });
    }

    @Test
    void theAsynchronousStopReturnsAtOnceAndCallsBackWhenTheRunningHandlerIsDone() {
        SwooleTaskTestSupport.runner(this.root).withBean(BlockingHandler.class).run((context) -> {
            BlockingHandler handler = context.getBean(BlockingHandler.class);
            TaskWorkerLifecycle lifecycle = context.getBean(TaskWorkerLifecycle.class);
            context.getBean(TaskTemplate.class).dispatch("blocking", "hold");
            assertThat(handler.entered.await(15, TimeUnit.SECONDS)).isTrue();

            CountDownLatch stopped = new CountDownLatch(1);
            lifecycle.stop(stopped::countDown);
            // the handler still holds its worker: the stop cannot have ended, whatever the timing
            assertThat(stopped.getCount()).isEqualTo(1);
            assertThat(lifecycle.isRunning()).isFalse();

            handler.release.countDown();
            assertThat(stopped.await(15, TimeUnit.SECONDS)).isTrue();
            assertThat(lifecycle.lastStop().clean()).isTrue();
            assertThat(handler.finished).hasValue(1);
        });
    }

    @Test
    void lazyInitializationStillCreatesHandlerBeansAndRunsTheirTasks() {
        SwooleTaskTestSupport.runner(this.root)
            .withInitializer((context) -> context.addBeanFactoryPostProcessor(
                    new LazyInitializationBeanFactoryPostProcessor()))
            .withBean(RecordingHandler.class)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(TaskHandlerRegistry.class).isEmpty()).isFalse();
                // posted as another program would, with no Java dispatch that could create the handler bean
                RawFrames.send(SwooleTaskTestSupport.queue(context), 2, RawFrames.task(7, "from another program"));
                RecordingHandler handler = context.getBean(RecordingHandler.class);
                await().until(() -> handler.seen.contains("from another program"));
            });
    }

    @Test
    void anApplicationWithoutHandlersStartsNoWorkerAndBindsNoSocket(CapturedOutput output) {
        Path socket = this.root.resolve("no-handler.sock");
        SwooleTaskTestSupport.runner(this.root)
            .withPropertyValues("swoole.task.ipc-mode=1", "swoole.task.socket-path=" + socket)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                assertThat(context.getBean(TaskWorkerLifecycle.class).hasWorkers()).isFalse();
                assertThat(pool.isRunning()).isFalse();
                for (int i = 0; i < pool.size(); i++) {
                    assertThat(pool.state(i)).isEqualTo(WorkerState.NEW);
                }
                assertThat(socket).doesNotExist();
                assertThat(output).contains("No @TaskHandler methods in this application: no task worker started"
                        + " and no socket bound");
            });
    }

    /** Records every payload it handles. */
    static class RecordingHandler {

        final Set<String> seen = ConcurrentHashMap.newKeySet();

        @TaskHandler
        void record(String text) {
            this.seen.add(text);
        }
    }

    /** Holds its worker until released. */
    static class BlockingHandler {

        final CountDownLatch entered = new CountDownLatch(1);

        final CountDownLatch release = new CountDownLatch(1);

        final AtomicInteger finished = new AtomicInteger();

        @TaskHandler("blocking")
        void hold(String text) throws InterruptedException {
            this.entered.countDown();
            this.release.await();
            this.finished.incrementAndGet();
        }
    }
}
