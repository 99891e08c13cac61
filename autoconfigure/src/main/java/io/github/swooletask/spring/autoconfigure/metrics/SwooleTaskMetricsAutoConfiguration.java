package io.github.swooletask.spring.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.ConfigurationCondition;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.reply.RemoteReplies;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.spring.metrics.BatchSizeMetrics;
import io.github.swooletask.spring.metrics.ReplyMetrics;
import io.github.swooletask.spring.metrics.SwooleTaskMetrics;
import io.github.swooletask.spring.metrics.TaskExecutionMetrics;
import io.github.swooletask.spring.metrics.TransportDetailMetrics;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * The Micrometer meters of swoole-task, when the application has a {@link MeterRegistry}: after Boot made its
 * registries, so that this condition sees them. {@link SwooleTaskMetrics} and the other binders are bound by Boot;
 * {@link TaskExecutionMetrics} times handler runs (the handler invoker reports each run to it) unless the process
 * observation does, that is when swoole-task's observations are on and Boot's meter observation handler is there.
 */
@AutoConfiguration(after = SwooleTaskAutoConfiguration.class,
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, TaskTransport.class, TaskWorkerPool.class, TaskDispatcher.class })
public final class SwooleTaskMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    SwooleTaskMetrics swooleTaskMetrics(TaskTransport transport, TaskWorkerPool pool, TaskDispatcher dispatcher) {
        return new SwooleTaskMetrics(transport, pool, dispatcher);
    }

    @Bean
    @ConditionalOnMissingBean
    @Conditional(ExecutionsNotTimedByObservation.class)
    TaskExecutionMetrics swooleTaskExecutionMetrics(MeterRegistry registry) {
        return new TaskExecutionMetrics(registry);
    }

    /** Tasks per run of each batch handler, observation on or off. */
    @Bean
    @ConditionalOnMissingBean
    BatchSizeMetrics swooleTaskBatchSizeMetrics(MeterRegistry registry) {
        return new BatchSizeMetrics(registry);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(name = "swoole.task.transport", havingValue = "redis-streams")
    TransportDetailMetrics swooleTaskTransportDetailMetrics(TaskTransport transport) {
        return new TransportDetailMetrics(transport);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(RemoteReplies.class)
    ReplyMetrics swooleTaskReplyMetrics(RemoteReplies replies) {
        return new ReplyMetrics(replies.statistics());
    }

    /**
     * Matches unless the process observation times handler runs: swoole-task's observations are on and a meter
     * observation handler (Boot's DefaultMeterObservationHandler) turns them into timers.
     */
    static final class ExecutionsNotTimedByObservation extends NoneNestedConditions {

        ExecutionsNotTimedByObservation() {
            super(ConfigurationCondition.ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean({ TaskObservations.class, MeterObservationHandler.class })
        static class ObservationTimesExecutions {
        }
    }
}
