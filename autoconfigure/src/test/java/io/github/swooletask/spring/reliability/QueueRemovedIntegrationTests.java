package io.github.swooletask.spring.reliability;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.worker.TaskWorkerPool;
import io.github.swooletask.worker.WorkerState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A keyed queue removed under the running application ({@code ipcrm}) is created again with a WARN: by the workers
 * blocked in a receive, and by the dispatch path when the workers are paused. Tasks sent after that are handled.
 */
class QueueRemovedIntegrationTests {

    @RegisterExtension
    final SysVQueueExtension queues = ReliabilitySupport.keys();

    @TempDir
    Path root;

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private Logger transportLogger;

    @BeforeEach
    void captureTransportLog() {
        this.transportLogger = (Logger) LoggerFactory.getLogger(SysVTransport.class);
        this.appender.start();
        this.transportLogger.addAppender(this.appender);
    }

    @AfterEach
    void releaseTransportLog() {
        this.transportLogger.detachAppender(this.appender);
        this.appender.stop();
    }

    private long recreationWarnings() {
        return this.appender.list.stream()
            .filter((event) -> event.getLevel() == Level.WARN
                    && event.getFormattedMessage().contains("Task queue was removed while in use"))
            .count();
    }

    @Test
    void workersAndDispatcherCreateTheRemovedQueueAgainAndGoOn() {
        int key = this.queues.freeKey();
        Handler handler = new Handler();
        ReliabilitySupport.runner(this.root).withBean(Handler.class, () -> handler)
            .withPropertyValues("swoole.task.ipc-mode=3",
                    "swoole.task.message-queue-key=" + ReliabilitySupport.hex(key))
            .run((context) -> {
                assertThat(context).hasNotFailed();
                context.getBean(TaskWorkerLifecycle.class).start();
                TaskTemplate tasks = context.getBean(TaskTemplate.class);
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                MessageQueue queue = SwooleTaskTestSupport.queue(context);
                tasks.dispatch("before");
                await("task before the removal").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> handler.seen.contains("before"));

                // 1. workers blocked in msgrcv see the removal and create the queue again
                await("both workers waiting in a receive").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> pool.state(0) == WorkerState.RECEIVING
                        && pool.state(1) == WorkerState.RECEIVING);
                int firstId = queue.id();
                MessageQueue.openExisting(key).remove();
                await("a WARN about the recreated queue").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> recreationWarnings() >= 1);
                await("the key exists again").atMost(ReliabilitySupport.DEADLINE).until(() -> MessageQueue.exists(key));
                int secondId = queue.id();
                assertThat(secondId).isNotEqualTo(firstId);
                assertThat(MessageQueue.openExisting(key).id()).isEqualTo(secondId);
                tasks.dispatch("after workers recreated");
                RawFrames.sendTask(MessageQueue.openExisting(key), 2, 77, "external after",
                        this.root.resolve("tmp"));
                await("tasks after the removal").atMost(ReliabilitySupport.DEADLINE).until(() -> handler.seen
                    .containsAll(List.of("after workers recreated", "external after")));

                // 2. with the workers paused, the dispatch path finds the removal and creates the queue again
                pool.pause();
                await("workers paused").atMost(ReliabilitySupport.DEADLINE).until(() -> pool.pausedCount() == 2);
                long warningsBefore = recreationWarnings();
                MessageQueue.openExisting(key).remove();
                assertThat(MessageQueue.exists(key)).isFalse();
                int taskId = tasks.dispatch("dispatched into a removed queue");
                assertThat(taskId).isPositive();
                assertThat(MessageQueue.exists(key)).as("the dispatch created the queue again").isTrue();
                assertThat(queue.id()).isNotEqualTo(secondId);
                assertThat(recreationWarnings()).isEqualTo(warningsBefore + 1);
                assertThat(MessageQueue.openExisting(key).stats().messages()).isEqualTo(1);
                pool.resume();
                await("the task sent into the new queue").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> handler.seen.contains("dispatched into a removed queue"));

                assertThat(pool.deadCount()).as("dead workers").isZero();
                assertThat(pool.statistics().failedCount()).isZero();
                assertThat(pool.statistics().rejectedCount()).isZero();
                assertThat(handler.seen).doesNotHaveDuplicates();
            });
    }

    static class Handler {

        final List<String> seen = new CopyOnWriteArrayList<>();

        @TaskHandler
        public void onTask(String payload, TaskContext context) {
            this.seen.add(payload);
        }
    }
}
