package io.github.swooletask.test.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Configuration;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.test.SwooleTaskTestHarness;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AutoConfigureSwooleTaskTest} in a context without auto-configuration, as in a test slice: the annotation
 * brings swoole-task and the in-memory transport itself.
 */
@SpringBootTest(classes = AutoConfigureSwooleTaskTestSliceTests.Handlers.class,
        properties = "swoole.task.dead-letter.enabled=false")
@AutoConfigureSwooleTaskTest
class AutoConfigureSwooleTaskTestSliceTests {

    @Autowired
    TaskOperations tasks;

    @Autowired
    SwooleTaskTestHarness harness;

    @Test
    void theAnnotationImportsWhatItNeeds() {
        this.tasks.dispatch("ping", "hello");
        assertThat(this.harness.awaitHandled(1)).singleElement()
            .satisfies((run) -> assertThat(run.result()).isEqualTo("pong hello"));
    }

    /** The only configuration: no {@code @EnableAutoConfiguration}. */
    @Configuration(proxyBeanMethods = false)
    static class Handlers {

        @TaskHandler("ping")
        String ping(String text) {
            return "pong " + text;
        }
    }
}
