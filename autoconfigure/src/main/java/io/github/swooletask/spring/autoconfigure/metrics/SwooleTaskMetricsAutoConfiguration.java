package io.github.swooletask.spring.autoconfigure.metrics;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.reply.RemoteReplies;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.spring.metrics.ReplyMetrics;
import io.github.swooletask.spring.metrics.SwooleTaskMetrics;
import io.github.swooletask.spring.metrics.TransportDetailMetrics;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * Registers {@link SwooleTaskMetrics} when Micrometer is on the class path; Spring Boot binds it to the meter
 * registry and the handler invoker reports every handler run to it.
 */
@AutoConfiguration(after = SwooleTaskAutoConfiguration.class,
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
@ConditionalOnBean({ TaskTransport.class, TaskWorkerPool.class, TaskDispatcher.class })
public final class SwooleTaskMetricsAutoConfiguration {

    // The beans are looked up when the meters are bound: the pool's invoker collects TaskExecutionListener beans
    // (this one among them) when it is made, so taking the pool here directly would be a dependency cycle.
    @Bean
    @ConditionalOnMissingBean
    SwooleTaskMetrics swooleTaskMetrics(ObjectProvider<TaskTransport> transport, ObjectProvider<TaskWorkerPool> pool,
            ObjectProvider<TaskDispatcher> dispatcher) {
        return SwooleTaskMetrics.deferred(transport::getObject, pool::getObject, dispatcher::getObject);
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
}
