package io.github.swooletask.spring.autoconfigure.metrics;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.handler.TaskHandlerInvoker;
import io.github.swooletask.spring.metrics.ReplyMetrics;
import io.github.swooletask.spring.metrics.SwooleTaskMetrics;
import io.github.swooletask.spring.metrics.TaskExecutionMetrics;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The metrics auto-configuration against real System V queues: the meters, one sample per handler run, backing off
 * without a registry, Boot's own registry seen, and the observation's timer standing in for the execution timer.
 */
class SwooleTaskMetricsAutoConfigurationIntegrationTests {

    @TempDir
    Path root;

    @Test
    void timesHandlerRunsAndCountsDispatchesAndRejects() {
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(RegistryConfiguration.class, HandlerConfiguration.class)
            .withPropertyValues("swoole.task.retry.max-retries=0")
            .run((context) -> {
                assertThat(context).hasNotFailed().hasSingleBean(SwooleTaskMetrics.class)
                    .hasSingleBean(TaskExecutionMetrics.class).doesNotHaveBean(TaskObservations.class);
                assertThat(context.getBeansOfType(TaskExecutionListener.class))
                    .containsOnlyKeys("swooleTaskExecutionMetrics", "swooleTaskBatchSizeMetrics");
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                TaskTemplate template = context.getBean(TaskTemplate.class);
                int n = 12;
                int m = 5;
                List<CompletableFuture<Object>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    futures.add(template.call("ok", "task " + i));
                }
                for (int i = 0; i < m; i++) {
                    futures.add(template.call("boom", "task " + i));
                }
                for (CompletableFuture<Object> future : futures) {
                    future.handle((result, failure) -> null).get(SwooleTaskTestSupport.DEADLINE.toSeconds(),
                            TimeUnit.SECONDS);
                }
                assertThat(executions(registry, "success")).isEqualTo(n);
                assertThat(executions(registry, "failure")).isEqualTo(m);
                Timer ok = registry.get("swoole.task.execution").tag("handler", "Handlers.ok")
                    .tag("result", "success").tag("exception", "none").timer();
                assertThat(ok.count()).isEqualTo(n);
                assertThat(ok.totalTime(TimeUnit.NANOSECONDS)).isPositive();
                assertThat(registry.get("swoole.task.execution").tag("handler", "Handlers.boom")
                    .tag("result", "failure").tag("exception", "IllegalStateException").timer().count()).isEqualTo(m);
                assertThat(registry.get("swoole.task.dispatched").tag("result", "success").functionCounter().count())
                    .isEqualTo(n + m);
                assertThat(registry.get("swoole.task.dispatched").tag("result", "full").functionCounter().count())
                    .isZero();
                assertThat(registry.find("swoole.task.processed").meter()).as("the timer's successes").isNull();
                assertThat(registry.get("swoole.task.failed").functionCounter().count()).isEqualTo(m);

                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                RawFrames.send(SwooleTaskTestSupport.queue(context), 2, new byte[] { 1, 2, 3, 4, 5 });
                await("the short message to be rejected").atMost(SwooleTaskTestSupport.DEADLINE)
                    .until(() -> pool.statistics().rejectedCount() > 0);
                assertThat(registry.get("swoole.task.rejected").tag("reason", RejectReason.SHORT_HEADER.tag())
                    .functionCounter().count()).isEqualTo(1);
                assertThat(registry.get("swoole.task.rejected").functionCounters().stream()
                    .mapToDouble((counter) -> counter.count()).sum()).isEqualTo(1);
                // the worker counts the rejection before it goes back to idle
                await("the worker idle again").atMost(SwooleTaskTestSupport.DEADLINE)
                    .until(() -> registry.get("swoole.task.workers.active").gauge().value() == 0);
                assertThat(registry.get("swoole.task.queue.depth").gauge().value()).isZero();
                assertThat(registry.get("swoole.task.queue.capacity").gauge().value()).isPositive();
            });
    }

    @Test
    void everyRunOfARetriedTaskIsOneSampleAndOnlyTheTaskFailsOnce() {
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(RegistryConfiguration.class, HandlerConfiguration.class)
            .withPropertyValues("swoole.task.retry.max-retries=2", "swoole.task.retry.delay=1ms")
            .run((context) -> {
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                TaskTemplate template = context.getBean(TaskTemplate.class);
                assertThat(template.call("flaky", "once").get(SwooleTaskTestSupport.DEADLINE.toSeconds(),
                        TimeUnit.SECONDS)).isEqualTo("ok after 2 failures");
                template.call("boom", "always").handle((result, failure) -> null)
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(registry.get("swoole.task.execution").tag("handler", "Handlers.flaky")
                    .tag("result", "failure").timer().count()).isEqualTo(2);
                assertThat(registry.get("swoole.task.execution").tag("handler", "Handlers.flaky")
                    .tag("result", "success").timer().count()).isEqualTo(1);
                assertThat(registry.get("swoole.task.execution").tag("handler", "Handlers.boom")
                    .tag("result", "failure").timer().count()).as("first run and two retries").isEqualTo(3);
                assertThat(registry.get("swoole.task.failed").functionCounter().count())
                    .as("one task failed every attempt").isEqualTo(1);
            });
    }

    @Test
    void seesTheRegistryBootMakesItself() {
        SwooleTaskTestSupport.runner(this.root)
            .withConfiguration(AutoConfigurations.of(SimpleMetricsExportAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class))
            .withUserConfiguration(HandlerConfiguration.class)
            .run((context) -> {
                assertThat(context).hasNotFailed().hasSingleBean(MeterRegistry.class)
                    .hasSingleBean(SwooleTaskMetrics.class).hasSingleBean(TaskExecutionMetrics.class);
                context.getBean(TaskTemplate.class).call("ok", "x").get(SwooleTaskTestSupport.DEADLINE.toSeconds(),
                        TimeUnit.SECONDS);
                assertThat(executions(context.getBean(MeterRegistry.class), "success")).isEqualTo(1);
            });
    }

    @Test
    void backsOffWithoutAMeterRegistry() {
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(HandlerConfiguration.class)
            .run((context) -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(MeterRegistry.class)
                    .doesNotHaveBean(SwooleTaskMetrics.class).doesNotHaveBean(TaskExecutionMetrics.class)
                    .doesNotHaveBean(ReplyMetrics.class).hasSingleBean(TaskHandlerInvoker.class);
                Object result = context.getBean(TaskTemplate.class).call("ok", "plain")
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(result).isEqualTo("plain");
            });
    }

    @Test
    void withObservationTheProcessObservationIsTheOneExecutionTimer() {
        SwooleTaskTestSupport.runner(this.root)
            .withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
            .withUserConfiguration(HandlerConfiguration.class)
            .withPropertyValues("swoole.task.observation.enabled=true", "swoole.task.retry.max-retries=0")
            .run((context) -> {
                assertThat(context).hasNotFailed().hasSingleBean(TaskObservations.class)
                    .hasSingleBean(SwooleTaskMetrics.class).doesNotHaveBean(TaskExecutionMetrics.class);
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                TaskTemplate template = context.getBean(TaskTemplate.class);
                for (int i = 0; i < 3; i++) {
                    template.call("ok", "task " + i).get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                }
                template.call("boom", "x").handle((result, failure) -> null)
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                // a run's observation stops before the worker answers the call
                assertThat(executions(registry, "success") + executions(registry, "failure")).isEqualTo(4);
                Timer ok = registry.get("swoole.task.execution").tag("handler", "Handlers.ok")
                    .tag("result", "success").tag("exception", "none").timer();
                assertThat(ok.count()).isEqualTo(3);
                assertThat(ok.getId().getTag("messaging.system")).isEqualTo("swoole-task");
                assertThat(ok.getId().getTag("messaging.operation")).isEqualTo("process");
                assertThat(ok.getId().getTag("messaging.destination.name")).isEqualTo("ok");
                assertThat(registry.get("swoole.task.execution").tag("handler", "Handlers.boom")
                    .tag("result", "failure").tag("exception", "IllegalStateException").timer().count()).isEqualTo(1);
                assertThat(registry.find("swoole.task.execution").timers())
                    .as("one timer family: every timer carries the contract tags and the messaging keys")
                    .allSatisfy((timer) -> assertThat(timer.getId().getTags()).extracting(Tag::getKey)
                        .contains("handler", "result", "exception", "messaging.system")
                        .doesNotContain("messaging.message.id"));
                assertThat(registry.get("swoole.task.dispatch").tag("messaging.operation", "publish").timers())
                    .isNotEmpty();
            });
    }

    @Test
    void backsOffWithoutMicrometer() {
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(HandlerConfiguration.class)
            .withClassLoader(new FilteredClassLoader("io.micrometer.core"))
            .run((context) -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(SwooleTaskMetrics.class)
                    .hasSingleBean(TaskHandlerInvoker.class);
                Object result = context.getBean(TaskTemplate.class).call("ok", "plain")
                    .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(result).isEqualTo("plain");
            });
    }

    private static double executions(MeterRegistry registry, String result) {
        return registry.get("swoole.task.execution").tag("result", result).timers().stream()
            .mapToDouble(Timer::count).sum();
    }

    @Configuration(proxyBeanMethods = false)
    static class RegistryConfiguration {

        @Bean
        SimpleMeterRegistry simpleMeterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HandlerConfiguration {

        @Bean
        Handlers handlers() {
            return new Handlers();
        }
    }

    static class Handlers {

        @TaskHandler("ok")
        public String ok(String payload) {
            return payload;
        }

        private final AtomicInteger flakyCalls = new AtomicInteger();

        @TaskHandler("flaky")
        public String flaky(String payload) {
            int call = this.flakyCalls.incrementAndGet();
            if (call <= 2) {
                throw new IllegalStateException("flaky on call " + call);
            }
            return "ok after 2 failures";
        }

        @TaskHandler("boom")
        public String boom(String payload) {
            throw new IllegalStateException("failing on purpose: " + payload);
        }
    }
}
