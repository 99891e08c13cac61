package io.github.swooletask.spring.autoconfigure.endpoint;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.spring.endpoint.SwooleTaskEndpoint;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** When {@link SwooleTaskEndpointAutoConfiguration} registers the {@code swooletask} endpoint; real private queues. */
class SwooleTaskEndpointAutoConfigurationIntegrationTests {

    private static final String EXPOSE = "management.endpoints.web.exposure.include=swooletask";

    @TempDir
    Path root;

    @Test
    void isCreatedOnlyWhenExposedAndAccessible() {
        SwooleTaskTestSupport.runner(this.root)
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SwooleTaskEndpoint.class));
        SwooleTaskTestSupport.runner(this.root)
            .withPropertyValues(EXPOSE)
            .run((context) -> assertThat(context).hasSingleBean(SwooleTaskEndpoint.class));
        SwooleTaskTestSupport.runner(this.root)
            .withPropertyValues(EXPOSE, "management.endpoint.swooletask.access=NONE")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SwooleTaskEndpoint.class));
    }

}
