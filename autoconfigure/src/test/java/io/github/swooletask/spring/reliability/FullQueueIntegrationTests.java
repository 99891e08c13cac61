package io.github.swooletask.spring.reliability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.sysv.QueueStats;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * A full queue never drops a task silently: with a small capacity and no consumer a dispatch fails at once (policy
 * fail) or after the dispatch timeout (policy block) with a message saying how full the queue is; with a producer
 * far faster than the handlers every accepted task runs exactly once and every refused one was reported. A refused
 * task leaves no spill file behind.
 */
class FullQueueIntegrationTests {

    private static final int CAPACITY = 2048;

    private static final int TASKS = 3000;

    @TempDir
    Path root;

    private ApplicationContextRunner runner() {
        return ReliabilitySupport.runner(this.root)
            .withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.message-queue-capacity=" + CAPACITY + "B");
    }

    @Test
    void policyFailThrowsAtOnceSayingHowFullTheQueueIs() {
        runner().withPropertyValues("swoole.task.auto-startup=false", "swoole.task.full-queue-policy=fail",
                "swoole.task.dispatch-timeout=30s").run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(SwooleTaskTestSupport.queue(context).stats().capacity()).isEqualTo(CAPACITY);
                    TaskTemplate tasks = context.getBean(TaskTemplate.class);
                    TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
                    String payload = "x".repeat(100);
                    int accepted = fill(tasks, payload);
                    QueueStats stats = SwooleTaskTestSupport.queue(context).stats();
                    assertThat(stats.messages()).isEqualTo(accepted);
                    assertThat(stats.bytes() + 12 + payload.length()).isGreaterThan(CAPACITY);

                    long start = System.nanoTime();
                    QueueFullException full = catchThrowableOfType(QueueFullException.class,
                            () -> tasks.dispatch(payload));
                    long elapsed = System.nanoTime() - start;
                    assertThat(full).isNotNull();
                    assertThat(full.getMessage()).contains("task queue is full")
                        .containsPattern(accepted + " tasks, \\d+ of " + CAPACITY + " bytes")
                        .contains("kernel.msgmnb").doesNotContain("no room came within");
                    // "at once": nowhere near the 30 s dispatch timeout, which policy fail ignores
                    assertThat(elapsed).isLessThan(TimeUnit.SECONDS.toNanos(10));
                    // one refusal while filling, one now
                    assertThat(dispatcher.statistics().fullCount()).isEqualTo(2);
                    assertThat(dispatcher.statistics().queuedCount()).isEqualTo(accepted);
                    assertThat(SwooleTaskTestSupport.queue(context).stats().messages()).isEqualTo(accepted);
                });
    }

    @Test
    void policyBlockThrowsAfterTheDispatchTimeout() {
        runner().withPropertyValues("swoole.task.auto-startup=false", "swoole.task.full-queue-policy=block",
                "swoole.task.dispatch-timeout=300ms").run((context) -> {
                    assertThat(context).hasNotFailed();
                    TaskTemplate tasks = context.getBean(TaskTemplate.class);
                    TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
                    String payload = "y".repeat(100);
                    int accepted = fill(tasks, payload);
                    assertThat(dispatcher.statistics().fullCount()).isEqualTo(1);

                    long start = System.nanoTime();
                    assertThatThrownBy(() -> tasks.dispatch(payload)).isInstanceOf(QueueFullException.class)
                        .hasMessageContaining("no room came within 300 ms")
                        .hasMessageContaining("of " + CAPACITY + " bytes").hasMessageContaining("kernel.msgmnb");
                    long elapsed = System.nanoTime() - start;
                    assertThat(elapsed).as("waited for room").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
                    assertThat(elapsed).isLessThan(TimeUnit.SECONDS.toNanos(10));
                    assertThat(dispatcher.statistics().fullCount()).isEqualTo(2);
                    assertThat(SwooleTaskTestSupport.queue(context).stats().messages()).isEqualTo(accepted);
                });
    }

    @Test
    void refusedLargeTaskLeavesNoSpillFileBehind() {
        Path tmp = this.root.resolve("tmp");
        for (String policy : List.of("fail", "block")) {
            runner().withPropertyValues("swoole.task.auto-startup=false", "swoole.task.full-queue-policy=" + policy,
                    "swoole.task.dispatch-timeout=100ms").run((context) -> {
                        assertThat(context).hasNotFailed();
                        TaskTemplate tasks = context.getBean(TaskTemplate.class);
                        fill(tasks, "z".repeat(100));
                        String large = "L".repeat(20_000);
                        for (int i = 0; i < 5; i++) {
                            assertThatThrownBy(() -> tasks.dispatch(large)).as("policy %s", policy)
                                .isInstanceOf(QueueFullException.class);
                        }
                        assertThat(ReliabilitySupport.filesIn(tmp)).as("spill files of refused tasks (policy %s)",
                                policy).isEmpty();
                    });
        }
    }

    /** Dispatches until the queue refuses one; returns how many were accepted. */
    private static int fill(TaskTemplate tasks, String payload) {
        int accepted = 0;
        while (true) {
            try {
                tasks.dispatch(payload);
                accepted++;
            }
            catch (QueueFullException ex) {
                assertThat(accepted).as("tasks accepted before the queue was full").isPositive()
                    .isLessThanOrEqualTo(CAPACITY / (12 + payload.length()));
                return accepted;
            }
            assertThat(accepted).as("the queue never filled up").isLessThan(1000);
        }
    }

    @Test
    void fastProducersWithPolicyBlockLoseAndDuplicateNothing() throws Exception {
        Sink sink = new Sink();
        runner().withBean(Sink.class, () -> sink)
            .withPropertyValues("swoole.task.full-queue-policy=block", "swoole.task.dispatch-timeout=20s")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                context.getBean(TaskWorkerLifecycle.class).start();
                Outcome outcome = produce(context.getBean(TaskTemplate.class));
                assertThat(outcome.errors).isEmpty();
                assertThat(outcome.refused).as("no dispatch refused with a 20 s timeout").isEmpty();
                assertThat(outcome.accepted).hasSize(TASKS);
                sink.awaitExactly(outcome.accepted);
                TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
                assertThat(dispatcher.statistics().queuedCount()).isEqualTo(TASKS);
                assertThat(dispatcher.statistics().fullCount()).isZero();
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                assertThat(pool.statistics().processedCount()).isEqualTo(TASKS);
                assertThat(pool.statistics().rejectedCount()).isZero();
            });
    }

    @Test
    void fastProducersWithPolicyFailHaveEveryRefusalReported() throws Exception {
        Sink sink = new Sink();
        runner().withBean(Sink.class, () -> sink)
            .withPropertyValues("swoole.task.full-queue-policy=fail")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                context.getBean(TaskWorkerLifecycle.class).start();
                Outcome outcome = produce(context.getBean(TaskTemplate.class));
                assertThat(outcome.errors).isEmpty();
                assertThat(outcome.accepted.size() + outcome.refused.size()).isEqualTo(TASKS);
                assertThat(outcome.refused).as("a producer this fast must meet a full queue").isNotEmpty();
                assertThat(outcome.accepted).as("the workers take some tasks").isNotEmpty();
                sink.awaitExactly(outcome.accepted);
                assertThat(sink.counts.keySet()).doesNotContainAnyElementsOf(outcome.refused);
                TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
                assertThat(dispatcher.statistics().fullCount()).isEqualTo(outcome.refused.size());
                assertThat(dispatcher.statistics().queuedCount()).isEqualTo(outcome.accepted.size());
            });
    }

    /** Two producer threads dispatch {@link #TASKS} distinct payloads as fast as they can. */
    private static Outcome produce(TaskTemplate tasks) throws InterruptedException {
        Outcome outcome = new Outcome();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int producer = t;
            Thread thread = new Thread(() -> {
                for (int i = producer; i < TASKS; i += 2) {
                    String payload = "task-" + i;
                    try {
                        tasks.dispatch(payload);
                        outcome.accepted.add(payload);
                    }
                    catch (QueueFullException ex) {
                        outcome.refused.add(payload);
                    }
                    catch (Throwable ex) {
                        outcome.errors.add(payload + ": " + ex);
                    }
                }
            }, "producer-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(thread.isAlive()).as("%s finished within 60 s", thread.getName()).isFalse();
        }
        return outcome;
    }

    static final class Outcome {

        final Set<String> accepted = ConcurrentHashMap.newKeySet();

        final Set<String> refused = ConcurrentHashMap.newKeySet();

        final List<String> errors = new CopyOnWriteArrayList<>();
    }

    /** Handler about ten times slower than the producers: about 1 ms a task. */
    static class Sink {

        final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

        final AtomicInteger total = new AtomicInteger();

        @TaskHandler
        public void onTask(String payload) throws InterruptedException {
            Thread.sleep(1);
            this.counts.computeIfAbsent(payload, (key) -> new AtomicInteger()).incrementAndGet();
            this.total.incrementAndGet();
        }

        /** Waits until every expected payload ran, then checks each ran exactly once and nothing else ran. */
        void awaitExactly(Set<String> expected) {
            await(expected.size() + " tasks handled (now " + this.total.get() + ")").atMost(Duration.ofSeconds(60))
                .until(() -> this.total.get() >= expected.size());
            ReliabilitySupport.awaitSettled("no task to run twice or late", Duration.ofMillis(300),
                    ReliabilitySupport.DEADLINE, this.total::get);
            assertThat(this.counts.keySet()).as("handled payloads").isEqualTo(expected);
            assertThat(this.counts.entrySet().stream().filter((entry) -> entry.getValue().get() != 1)
                .map(Map.Entry::getKey)).as("payloads handled more than once").isEmpty();
            assertThat(this.total.get()).isEqualTo(expected.size());
        }
    }
}
