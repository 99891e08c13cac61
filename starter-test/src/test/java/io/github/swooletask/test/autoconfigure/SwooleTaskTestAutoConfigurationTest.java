package io.github.swooletask.test.autoconfigure;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.test.ExternalTask;
import io.github.swooletask.test.HandledTask;
import io.github.swooletask.test.HandledTaskRecorder;
import io.github.swooletask.test.RecordingTransport;
import io.github.swooletask.test.SwooleTaskTestHarness;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.unix.UnixSocketTransport;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link SwooleTaskTestAutoConfiguration}: active only when asked, in place of the kernel's transport. */
class SwooleTaskTestAutoConfigurationTest {

    @TempDir
    Path tmp;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class,
                    SwooleTaskTestAutoConfiguration.class))
            .withPropertyValues("swoole.task.tmpdir=" + this.tmp, "swoole.task.worker-num=2",
                    "swoole.task.dead-letter.enabled=false");
    }

    @Test
    void withoutTheInMemoryTransportNothingOfItIsActive() {
        runner().withPropertyValues("swoole.task.auto-startup=false").run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(SwooleTaskTestHarness.class)
                .doesNotHaveBean(HandledTaskRecorder.class);
            assertThat(context.getBean(TaskTransport.class)).isInstanceOf(UnixSocketTransport.class);
        });
    }

    @Test
    void theInMemoryTransportReplacesTheKernelsWithTheSemanticsOfTheIpcMode() {
        runner().withPropertyValues("swoole.task.transport=in-memory", "swoole.task.ipc-mode=msgqueue",
                "swoole.task.auto-startup=false").run((context) -> {
                    assertThat(context).hasNotFailed().hasSingleBean(TaskTransport.class)
                        .hasSingleBean(SwooleTaskTestHarness.class);
                    TaskTransport transport = context.getBean(TaskTransport.class);
                    assertThat(transport).isInstanceOf(RecordingTransport.class);
                    assertThat(transport.mode()).isEqualTo(IpcMode.MSGQUEUE);
                    assertThat(transport.status().capacity()).isEqualTo(64L * 1024 * 1024);
                    assertThat(context.getBeansOfType(TaskExecutionListener.class).values())
                        .contains(context.getBean(HandledTaskRecorder.class));
                });
    }

    @Test
    void inIpcMode2ATaskReachesTheWorkerItIsFor() {
        runner().withPropertyValues("swoole.task.transport=in-memory", "swoole.task.ipc-mode=2",
                "swoole.task.message-queue-capacity=1MB").withUserConfiguration(Echo.class).run((context) -> {
                    assertThat(context.getBean(TaskTransport.class).status().capacity()).isEqualTo(1024 * 1024);
                    SwooleTaskTestHarness harness = context.getBean(SwooleTaskTestHarness.class);
                    harness.post(ExternalTask.text("to one").toWorker(1));
                    assertThat(harness.awaitHandled(1)).singleElement()
                        .satisfies((run) -> assertThat(run.workerId()).isEqualTo(1));
                    context.getBean(TaskOperations.class).dispatchTo(0, "to zero");
                    assertThat(harness.awaitHandled(2)).extracting(HandledTask::workerId).containsExactly(1, 0);
                    assertThat(harness.awaitHandled(2)).extracting(HandledTask::result)
                        .containsExactly("to one on 1", "to zero on 0");
                });
    }

    @Test
    void withoutTheTestStarterTheInMemoryTransportIsExplained() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withPropertyValues("swoole.task.tmpdir=" + this.tmp, "swoole.task.transport=in-memory")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("swoole.task.transport=in-memory is for tests")
                    .hasMessageContaining("swoole-task-spring-boot-starter-test");
            });
    }

    @Test
    void aTransportOfTheTestsOwnIsKeptAndTheHarnessSaysItCannotWork() {
        runner().withPropertyValues("swoole.task.transport=in-memory", "swoole.task.auto-startup=false")
            .withUserConfiguration(OwnTransport.class).run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("the TaskTransport bean is a " + InMemoryTransport.class.getName())
                    .hasMessageContaining("not the test's in-memory transport");
            });
    }

    @Configuration(proxyBeanMethods = false)
    static class Echo {

        @TaskHandler
        String echo(String text, TaskContext context) {
            return text + " on " + context.workerId();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnTransport {

        @Bean
        TaskTransport taskTransport() {
            return InMemoryTransport.preemptive(1);
        }
    }
}
