package io.github.swooletask.bench;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The benchmark's application: auto-configuration as any Spring Boot application gets it (which brings in
 * swoole-task's), plus the counting handler. The {@link TaskCounter} is registered by {@link SwooleRun} before the
 * context refreshes.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class BenchConfiguration {

    @Bean
    BenchTaskHandler benchTaskHandler(TaskCounter taskCounter) {
        return new BenchTaskHandler(taskCounter);
    }
}
