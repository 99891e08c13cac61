package io.github.swooletask.spring.autoconfigure.health;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.registry.HealthContributorRegistry;

import io.github.swooletask.spring.health.SwooleTaskHealthIndicator;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When {@link SwooleTaskHealthContributorAutoConfiguration} registers the {@code swooleTask} health contributor;
 * real private queues.
 */
class SwooleTaskHealthContributorAutoConfigurationIntegrationTests {

    @TempDir
    Path root;

    @Test
    void registersTheIndicatorNamedSwooleTask() {
        SwooleTaskTestSupport.runner(this.root).run((context) -> {
            assertThat(context).hasNotFailed().hasBean("swooleTaskHealthIndicator");
            assertThat(context.getBean(HealthContributorRegistry.class).getContributor("swooleTask"))
                .isSameAs(context.getBean(SwooleTaskHealthIndicator.class));
        });
    }

    @Test
    void disabledByProperty() {
        SwooleTaskTestSupport.runner(this.root)
            .withPropertyValues("management.health.swooletask.enabled=false")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SwooleTaskHealthIndicator.class));
    }
}
