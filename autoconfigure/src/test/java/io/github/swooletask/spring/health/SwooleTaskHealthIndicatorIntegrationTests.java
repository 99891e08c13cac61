package io.github.swooletask.spring.health;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.endpoint.SwooleTaskEndpoint;
import io.github.swooletask.spring.endpoint.SwooleTaskEndpoint.SwooleTaskDescriptor;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The {@code swooleTask} health contributor against real System V queues. */
class SwooleTaskHealthIndicatorIntegrationTests {

    @TempDir
    Path root;

    @Test
    void upWithDetails() {
        SwooleTaskTestSupport.runner(this.root).withBean(SwooleTaskTestSupport.NoOpHandler.class).run((context) -> {
            assertThat(context).hasNotFailed();
            Health health = context.getBean(SwooleTaskHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("mode", Map.of("number", 3, "name", "msgqueue-preemptive"))
                .containsEntry("depth", 0L)
                .doesNotContainKey("problems");
            assertThat((Long) health.getDetails().get("capacity")).isPositive();
            assertThat(workers(health)).containsEntry("total", 2).containsEntry("dead", 0).containsEntry("running",
                    true);
        });
    }

    @Test
    void upWhilePaused() {
        SwooleTaskTestSupport.runner(this.root).withBean(SwooleTaskTestSupport.NoOpHandler.class).run((context) -> {
            TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
            pool.pause();
            await("both workers to pause").atMost(SwooleTaskTestSupport.DEADLINE).until(() -> pool.pausedCount() == 2);
            Health health = context.getBean(SwooleTaskHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(workers(health)).containsEntry("paused", 2);
        });
    }

    @Test
    void downWhenMessagesWaitOfATypeNoWorkerReadsAndTheEndpointSaysWhy() {
        SwooleTaskTestSupport.runner(this.root)
            .withBean(SwooleTaskTestSupport.NoOpHandler.class)
            .withPropertyValues("swoole.task.ipc-mode=2", "swoole.task.health.starved-after=0s",
                    "management.endpoints.web.exposure.include=swooletask")
            .run((context) -> {
                SwooleTaskHealthIndicator indicator = context.getBean(SwooleTaskHealthIndicator.class);
                assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
                // workers 0 and 1 read types 2 and 3: type 10 waits for a worker that does not exist
                RawFrames.send(SwooleTaskTestSupport.queue(context), 10, RawFrames.task(3, "nobody reads type 10"));
                assertThat(indicator.health().getStatus()).as("the first check starts the clock").isEqualTo(Status.UP);
                Health health = indicator.health();
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                assertThat(problems(health)).singleElement().asString()
                    .startsWith("1 message(s) wait in the queue while every worker is idle")
                    .contains("a type no worker reads");
                assertThat(context.getBean(SwooleTaskEndpoint.class).describe().problems()).singleElement()
                    .asString().contains("a type no worker reads");
            });
    }

    @Test
    void upWithoutHandlersThoughNoWorkerRuns() {
        SwooleTaskTestSupport.runner(this.root).run((context) -> {
            Health health = context.getBean(SwooleTaskHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(workers(health)).containsEntry("running", false);
        });
    }

    @Test
    void downWhenTheQueueCannotBeRead() {
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(OwnTransportConfiguration.class)
            .withBean(SimpleMeterRegistry.class)
            .withPropertyValues("swoole.task.auto-startup=false",
                    "management.endpoints.web.exposure.include=swooletask")
            .run((context) -> {
                SwooleTaskHealthIndicator indicator = context.getBean(SwooleTaskHealthIndicator.class);
                Health before = indicator.health();
                assertThat(before.getStatus()).isEqualTo(Status.UP);
                assertThat(workers(before)).containsEntry("running", false);

                // no worker runs (auto-startup=false), so nothing creates the queue again
                SwooleTaskTestSupport.queue(context).remove();

                Health after = indicator.health();
                assertThat(after.getStatus()).isEqualTo(Status.DOWN);
                assertThat(problems(after)).singleElement().asString()
                    .startsWith("the task queue's state cannot be read")
                    .contains("was removed");
                assertThat(after.getDetails()).doesNotContainKey("depth").containsKey("workers");

                SwooleTaskDescriptor descriptor = context.getBean(SwooleTaskEndpoint.class)
                    .describe();
                assertThat(descriptor.depth()).isNull();
                assertThat(descriptor.queueId()).isNull();
                assertThat(descriptor.error()).contains("was removed");
                assertThat(descriptor.workers().total()).isEqualTo(2);
                assertThat(descriptor.kernel().msgmnb()).isPositive();

                MeterRegistry registry = context.getBean(MeterRegistry.class);
                await("the depth gauge to show the unreadable queue, once its status cache expired")
                    .atMost(SwooleTaskTestSupport.DEADLINE)
                    .until(() -> Double.isNaN(registry.get("swoole.task.queue.depth").gauge().value()));
                assertThat(registry.get("swoole.task.queue.depth").gauge().value()).isNaN();
            });
    }

    @Test
    void aWorkerThatDiedIsReplacedAndReported() {
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(FatalHandlerConfiguration.class)
            .run((context) -> {
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                context.getBean(TaskTemplate.class).dispatch("fatal", "die");
                // the worker thread ends with the error on purpose: it is no failure of the wait
                await("a worker to die and be replaced").atMost(SwooleTaskTestSupport.DEADLINE)
                    .dontCatchUncaughtExceptions()
                    .until(() -> pool.replacedCount() == 1);
                // down while the worker waits for its replacement (ConsumerProblemsTest), up again once replaced
                Health health = context.getBean(SwooleTaskHealthIndicator.class).health();
                assertThat(health.getStatus()).isEqualTo(Status.UP);
                assertThat(workers(health)).containsEntry("dead", 0).containsEntry("replaced", 1L)
                    .containsEntry("total", 2);
                assertThat(context.getBean(TaskTemplate.class).call("fatal", "live")
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("alive");
            });
    }

    @Test
    void downWhenTheWorkersStoppedWhileTheyShouldRun() {
        SwooleTaskTestSupport.runner(this.root).withBean(SwooleTaskTestSupport.NoOpHandler.class).run((context) -> {
            context.getBean(TaskWorkerPool.class).stop(Duration.ofSeconds(5));
            Health health = context.getBean(SwooleTaskHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(problems(health)).containsExactly("the task workers are not running");
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> workers(Health health) {
        return (Map<String, Object>) health.getDetails().get("workers");
    }

    @SuppressWarnings("unchecked")
    private static List<String> problems(Health health) {
        return (List<String>) health.getDetails().get("problems");
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnTransportConfiguration {

        @Bean(destroyMethod = "close")
        TaskTransport taskTransport() {
            return new SysVTransport(MessageQueue.createPrivate(0600), IpcMode.MSGQUEUE_PREEMPTIVE, 2);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class FatalHandlerConfiguration {

        @Bean
        FatalHandler fatalHandler() {
            return new FatalHandler();
        }
    }

    static class FatalHandler {

        @TaskHandler("fatal")
        public String fatal(String payload) {
            if (payload.equals("die")) {
                throw new WorkerKillingError();
            }
            return "alive";
        }
    }

    /** An Error a worker does not survive, as an unexpected VM error would be. */
    static class WorkerKillingError extends Error {

        WorkerKillingError() {
            super("deliberately fatal", null, false, false);
        }
    }
}
