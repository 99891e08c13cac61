package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.autoconfigure.endpoint.SwooleTaskEndpointAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.health.SwooleTaskHealthContributorAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.metrics.SwooleTaskMetricsAutoConfiguration;
import io.github.swooletask.spring.endpoint.SwooleTaskEndpoint;
import io.github.swooletask.spring.health.SwooleTaskHealthIndicator;
import io.github.swooletask.spring.metrics.SwooleTaskMetrics;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** The application still starts and dispatches when Micrometer, the actuator or Boot's health support is absent. */
class SwooleTaskOptionalDependenciesIntegrationTests {

    @TempDir
    Path root;

    private ApplicationContextRunner runner(String hiddenPackage) {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SwooleTaskAutoConfiguration.class,
                    SwooleTaskMetricsAutoConfiguration.class, SwooleTaskEndpointAutoConfiguration.class,
                    SwooleTaskHealthContributorAutoConfiguration.class))
            .withPropertyValues(SwooleTaskTestSupport.properties(this.root))
            .withPropertyValues("management.endpoints.web.exposure.include=swooletask")
            .withUserConfiguration(EchoConfiguration.class)
            .withClassLoader(new FilteredClassLoader(hiddenPackage));
    }

    @Test
    void withoutMicrometer() {
        runner("io.micrometer.core").run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(SwooleTaskMetrics.class)
                .hasSingleBean(SwooleTaskEndpoint.class).hasSingleBean(SwooleTaskHealthIndicator.class);
            assertDispatches(context);
        });
    }

    @Test
    void withoutTheActuator() {
        runner("org.springframework.boot.actuate").withBean(SimpleMeterRegistry.class).run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(SwooleTaskEndpoint.class)
                .hasSingleBean(SwooleTaskMetrics.class).hasSingleBean(SwooleTaskHealthIndicator.class);
            assertDispatches(context);
        });
    }

    @Test
    void withoutHealth() {
        runner("org.springframework.boot.health").withBean(SimpleMeterRegistry.class).run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(SwooleTaskHealthIndicator.class)
                .hasSingleBean(SwooleTaskMetrics.class).hasSingleBean(SwooleTaskEndpoint.class);
            assertDispatches(context);
        });
    }

    private static void assertDispatches(AssertableApplicationContext context) throws Exception {
        Object echoed = context.getBean(TaskTemplate.class).call("echo", "still works")
            .get(SwooleTaskTestSupport.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertThat(echoed).isEqualTo("still works");
    }

    @Configuration(proxyBeanMethods = false)
    static class EchoConfiguration {

        @Bean
        EchoHandler echoHandler() {
            return new EchoHandler();
        }
    }

    static class EchoHandler {

        @TaskHandler("echo")
        public String echo(String payload) {
            return payload;
        }
    }
}
