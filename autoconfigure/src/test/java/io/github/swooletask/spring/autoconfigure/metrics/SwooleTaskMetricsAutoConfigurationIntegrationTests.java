package io.github.swooletask.spring.autoconfigure.metrics;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.handler.TaskHandlerInvoker;
import io.github.swooletask.spring.metrics.SwooleTaskMetrics;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The metrics auto-configuration against real System V queues. */
class SwooleTaskMetricsAutoConfigurationIntegrationTests {

    @TempDir
    Path root;

    @Test
    void timesHandlerRunsAndCountsDispatchesAndRejects() {
        SwooleTaskTestSupport.runner(this.root)
            .withUserConfiguration(RegistryConfiguration.class, HandlerConfiguration.class)
            .withPropertyValues("swoole.task.retry.max-retries=0")
            .run((context) -> {
                assertThat(context).hasNotFailed().hasSingleBean(SwooleTaskMetrics.class);
                assertThat(context.getBeansOfType(TaskExecutionListener.class)).containsKey("swooleTaskMetrics");
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
                assertThat(registry.get("swoole.task.processed").functionCounter().count()).isEqualTo(n);
                assertThat(registry.get("swoole.task.failed").functionCounter().count()).isEqualTo(m);

                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);
                RawFrames.send(SwooleTaskTestSupport.queue(context), 2, new byte[] { 1, 2, 3, 4, 5 });
                await("the short message to be rejected").atMost(SwooleTaskTestSupport.DEADLINE)
                    .until(() -> pool.statistics().rejectedCount() > 0);
                assertThat(registry.get("swoole.task.rejected").tag("reason", RejectReason.SHORT_HEADER.tag())
                    .functionCounter().count()).isEqualTo(1);
                assertThat(registry.get("swoole.task.rejected").functionCounters().stream()
                    .mapToDouble((counter) -> counter.count()).sum()).isEqualTo(1);
                assertThat(registry.get("swoole.task.workers.active").gauge().value()).isZero();
                assertThat(registry.get("swoole.task.queue.depth").gauge().value()).isZero();
                assertThat(registry.get("swoole.task.queue.capacity").gauge().value()).isPositive();
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

        @TaskHandler("boom")
        public String boom(String payload) {
            throw new IllegalStateException("failing on purpose: " + payload);
        }
    }
}
