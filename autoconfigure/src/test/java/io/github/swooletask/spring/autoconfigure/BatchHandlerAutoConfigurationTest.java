package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.messaging.handler.annotation.SendTo;
import org.springframework.resilience.annotation.Retryable;

import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.autoconfigure.metrics.SwooleTaskMetricsAutoConfiguration;
import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.spring.handler.TaskHandlerRegistry;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Batch handlers ({@code @TaskHandler(batchSize)}): the tasks that wait for their reserved workers run as one call
 * with a {@code List} of payloads and of contexts, one result per task goes back to each caller (or on, with
 * {@code @SendTo}), a failed batch is retried whole and then recovered task by task, and a payload that cannot be
 * read is rejected alone. On an in-memory transport, and once on a real System V queue.
 */
@ExtendWith(OutputCaptureExtension.class)
class BatchHandlerAutoConfigurationTest {

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20, ValidationAutoConfiguration.class);
    }

    @Test
    void theTasksThatWaitRunAsOneBatchWithTheirContextsInOrder() {
        runner().withBean(Index.class).run((context) -> {
            assertThat(context).hasNotFailed();
            TaskHandlerMethod handler = context.getBean(TaskHandlerRegistry.class).find("index");
            assertThat(handler.batchSize()).isEqualTo(50);
            assertThat(handler.concurrency()).as("a batch handler gets a worker of its own").isEqualTo(1);
            TaskOperations tasks = context.getBean(TaskOperations.class);
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add(tasks.dispatch("index", new Doc("doc-" + i)));
            }
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> pool.reservedBacklog("index") == 20);
            pool.startReserved("index");
            Index index = context.getBean(Index.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> index.batches.size() == 1);
            assertThat(index.batches.get(0)).extracting(Doc::title).as("in the order dispatched")
                .containsExactlyElementsOf(IntStream.range(0, 20).mapToObj((i) -> "doc-" + i).toList());
            assertThat(index.taskIds.get(0)).containsExactlyElementsOf(ids);
            await().until(() -> pool.statistics().processedCount() == 20);
            tasks.dispatch("index", new Doc("alone"));
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> index.batches.size() == 2);
            assertThat(index.batches.get(1)).as("nothing waits: a batch of one, no lingering").hasSize(1);
        });
    }

    @Test
    void eachRunsSizeGoesToTheBatchSizeSummary() {
        SwooleTaskTestSupport.inMemoryRunner(this.tmp, 1 << 20, ValidationAutoConfiguration.class,
                SwooleTaskMetricsAutoConfiguration.class)
            .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
            .withBean(Index.class)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                TaskOperations tasks = context.getBean(TaskOperations.class);
                for (int i = 0; i < 20; i++) {
                    tasks.dispatch("index", new Doc("doc-" + i));
                }
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> pool.reservedBacklog("index") == 20);
                pool.startReserved("index");
                Index index = context.getBean(Index.class);
                // the next task once the first batch ran: sent sooner, it could join that batch
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> index.batches.size() == 1);
                tasks.dispatch("index", new Doc("later"));
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> index.batches.size() == 2);
                DistributionSummary sizes = context.getBean(SimpleMeterRegistry.class).get("swoole.task.batch.size")
                    .tag("handler", "Index.index").summary();
                await().until(() -> sizes.count() == 2);
                assertThat(sizes.totalAmount()).isEqualTo(21);
                assertThat(sizes.max()).isEqualTo(20);
            });
    }

    @Test
    void eachCallerGetsTheResultOfItsOwnTaskAndResultsGoOnWithSendTo() {
        List<Long> shares = new CopyOnWriteArrayList<>();
        runner().withBean(Upper.class)
            .withBean(TaskExecutionListener.class, () -> (handler, nanos, failure) -> shares.add(nanos))
            .run((context) -> {
                TaskOperations tasks = context.getBean(TaskOperations.class);
                List<CompletableFuture<String>> calls = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    calls.add(tasks.call("upper", "word-" + i));
                }
                for (int i = 0; i < 10; i++) {
                    assertThat(calls.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("WORD-" + i);
                }
                Upper upper = context.getBean(Upper.class);
                tasks.dispatch("upper", "sent on");
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> upper.shouted.contains("SENT ON"));
                assertThat(upper.shouted).as("callers got theirs: only the dispatched one went on")
                    .containsExactly("SENT ON");
                assertThat(shares).as("listeners hear of every task").hasSizeGreaterThanOrEqualTo(12);
            });
    }

    @Test
    void aFailedBatchIsRetriedWholeThenEveryTaskOfItIsRecoveredAndLoggedOnce(CapturedOutput output) {
        List<FailedTask> recovered = new CopyOnWriteArrayList<>();
        runner().withBean(Flaky.class)
            .withBean(TaskRecoverer.class, () -> (task) -> {
                recovered.add(task);
                return "kept";
            })
            .run((context) -> {
                TaskOperations tasks = context.getBean(TaskOperations.class);
                tasks.dispatch("flaky", "a");
                tasks.dispatch("flaky", "b");
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> pool.reservedBacklog("flaky") == 2);
                pool.startReserved("flaky");
                await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> recovered.size() == 2);
                assertThat(recovered).extracting(FailedTask::route).containsOnly("flaky");
                assertThat(recovered).allSatisfy((task) -> {
                    assertThat(task.attempts()).isEqualTo(2);
                    assertThat(task.failure()).hasMessage("flaky batch of 2");
                });
                assertThat(context.getBean(Flaky.class).runs).as("one run and one retry, of the whole batch")
                    .hasValue(2);
                await().until(() -> pool.statistics().failedCount() == 2);
                assertThat(output.getOut().split("failed on Reserved worker flaky-0", -1)).as("one ERROR for the batch")
                    .hasSize(2);
                assertThat(output.getOut()).contains("failed on Reserved worker flaky-0 (in a batch of 2, whose other"
                        + " tasks that failed with this cause are not logged each)");
            });
    }

    @Test
    void aPayloadThatCannotBeReadOrIsNotValidIsRejectedAloneAndTheOthersRun() {
        runner().withBean(Index.class).run((context) -> {
            TaskOperations tasks = context.getBean(TaskOperations.class);
            tasks.dispatch("index", new Doc("first"));
            tasks.dispatch("index", "not json");
            tasks.dispatch("index", new Doc(""));
            tasks.dispatch("index", new Doc("last"));
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> pool.reservedBacklog("index") == 4);
            pool.startReserved("index");
            Index index = context.getBean(Index.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> index.batches.size() == 1);
            assertThat(index.batches.get(0)).extracting(Doc::title).containsExactly("first", "last");
            // each task is counted as the runner answers it, in order, after the run
            await().until(() -> pool.statistics().rejectedCount(RejectReason.BAD_PAYLOAD) == 2
                    && pool.statistics().processedCount() == 2);
        });
    }

    @Test
    void batchSizesAndSignaturesThatCannotWorkFailTheStartupNamingTheMethod() {
        runner().withBean(ZeroBatch.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("ZeroBatch.run(java.util.List<java.lang.String>) has batchSize '0': give the"
                    + " most tasks it takes at once, 1 to 10000"));
        runner().withBean(NotAList.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("has a batchSize, so it takes a List of payloads and an optional"
                    + " List<TaskContext>, not a String"));
        runner().withBean(OneResult.class).run((context) -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("has a batchSize, so it returns nothing or a List with one result per task,"
                    + " not a String"));
    }

    @Test
    void onARealQueueEveryTaskRunsOnceInBatches() {
        SwooleTaskTestSupport.runner(this.tmp)
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withBean(Index.class)
            .run((context) -> {
            assertThat(context).hasNotFailed();
            TaskOperations tasks = context.getBean(TaskOperations.class);
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            for (int i = 0; i < 200; i++) {
                tasks.dispatch("index", new Doc("real-" + i));
            }
            await().atMost(SwooleTaskTestSupport.DEADLINE).until(() -> pool.reservedBacklog("index") == 50);
            pool.startReserved("index");
            Index index = context.getBean(Index.class);
            await().atMost(SwooleTaskTestSupport.DEADLINE)
                .until(() -> index.batches.stream().mapToInt(List::size).sum() == 200);
            assertThat(index.batches.stream().flatMap(List::stream).map(Doc::title).distinct().count())
                .isEqualTo(200);
            assertThat(index.batches.get(0)).as("the backlog of a batch's worth, then the shared workers waited")
                .hasSize(50);
        });
    }

    record Doc(@NotBlank String title) {
    }

    static class Index {

        final List<List<Doc>> batches = new CopyOnWriteArrayList<>();

        /** Each run's task ids; written before its docs, so a test that saw a batch sees its ids. */
        final List<List<Integer>> taskIds = new CopyOnWriteArrayList<>();

        @TaskHandler(name = "index", id = "index", batchSize = "50", autoStartup = "false")
        public void index(@Valid List<Doc> docs, List<TaskContext> contexts) {
            this.taskIds.add(contexts.stream().map(TaskContext::taskId).toList());
            this.batches.add(List.copyOf(docs));
        }
    }

    static class Upper {

        final List<String> shouted = new CopyOnWriteArrayList<>();

        @TaskHandler(name = "upper", batchSize = "8")
        @SendTo("shouted")
        public List<String> upper(List<String> words) {
            return words.stream().map(String::toUpperCase).toList();
        }

        @TaskHandler("shouted")
        public void shouted(String word) {
            this.shouted.add(word);
        }
    }

    static class Flaky {

        final AtomicInteger runs = new AtomicInteger();

        @TaskHandler(name = "flaky", id = "flaky", batchSize = "10", autoStartup = "false")
        @Retryable(maxRetries = 1, delay = 0)
        public void run(List<String> items) {
            this.runs.incrementAndGet();
            throw new IllegalStateException("flaky batch of " + items.size());
        }
    }

    static class ZeroBatch {

        @TaskHandler(name = "zero", batchSize = "0")
        public void run(List<String> items) {
        }
    }

    static class NotAList {

        @TaskHandler(name = "single", batchSize = "5")
        public void run(String item) {
        }
    }

    static class OneResult {

        @TaskHandler(name = "one", batchSize = "5")
        public String run(List<String> items) {
            return "";
        }
    }
}
