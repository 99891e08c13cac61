package io.github.swooletask.spring.autoconfigure.health;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.spring.health.SwooleTaskHealthIndicator;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.worker.ConsumerProblems;
import io.github.swooletask.worker.TaskWorkerPool;

/**
 * Registers the {@code swooleTask} health contributor ({@link SwooleTaskHealthIndicator}) when Spring Boot's health
 * support is on the class path, unless {@code management.health.swooletask.enabled=false}.
 */
@AutoConfiguration(after = SwooleTaskAutoConfiguration.class,
        afterName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = { "org.springframework.boot.health.contributor.HealthIndicator",
        "org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator" })
@ConditionalOnBean({ TaskTransport.class, TaskWorkerPool.class })
public final class SwooleTaskHealthContributorAutoConfiguration {

    // On the method, not the class: the class's @ConditionalOnClass must rule first, so that an application without
    // Boot's health support never has to load the condition.
    @Bean
    @ConditionalOnMissingBean(name = "swooleTaskHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("swooletask")
    SwooleTaskHealthIndicator swooleTaskHealthIndicator(TaskTransport transport, TaskWorkerPool pool,
            ObjectProvider<TaskWorkerLifecycle> lifecycle, ObjectProvider<ConsumerProblems> problems) {
        SwooleTaskHealthIndicator indicator = new SwooleTaskHealthIndicator(transport, pool,
                lifecycle.getIfAvailable());
        problems.ifAvailable(indicator::setConsumerProblems);
        return indicator;
    }
}
