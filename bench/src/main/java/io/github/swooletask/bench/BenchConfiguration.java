package io.github.swooletask.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The benchmark's application: auto-configuration as any Spring Boot application gets it (which brings in
 * swoole-task's), plus the counting handler, and with {@code --metrics on} a {@link SimpleMeterRegistry} (as an
 * actuator would give), so the starter's meters and execution timer record. The {@link TaskCounter} is registered by
 * {@link SwooleRun} before the context refreshes.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class BenchConfiguration {

    /** The property {@code --metrics} sets. */
    static final String METRICS = "bench.metrics";

    @Bean
    BenchTaskHandler benchTaskHandler(TaskCounter taskCounter) {
        return new BenchTaskHandler(taskCounter);
    }

    @Bean
    @ConditionalOnProperty(name = METRICS, havingValue = "true")
    SimpleMeterRegistry benchMeterRegistry() {
        return new SimpleMeterRegistry();
    }
}
