package io.github.swooletask.spring.autoconfigure;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.sysv.KernelLimits;
import io.github.swooletask.sysv.MessageQueueException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A startup that really fails on the System V queue, explained by {@link MessageQueueFailureAnalyzer}. As root most
 * permission checks do not bite; what does fail without {@code CAP_SYS_RESOURCE} (as in containers) is a capacity
 * above {@code kernel.msgmnb}. Where the process may raise it, nothing fails and the test is skipped.
 */
class MessageQueueFailureAnalyzerIntegrationTests {

    @RegisterExtension
    final SysVQueueExtension queues = SysVQueueExtension.keysOnly(0x515d0001, 0x515dffff);

    @TempDir
    Path tmp;

    @Test
    void aCapacityAboveKernelMsgmnbFailsTheStartupWithAnActionNamingTheProperty() {
        long msgmnb = KernelLimits.read().msgmnb();
        assumeTrue(msgmnb > 0, "kernel.msgmnb cannot be read");
        int key = this.queues.freeKey();
        Throwable[] failure = new Throwable[1];
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withPropertyValues("swoole.task.ipc-mode=3", "swoole.task.message-queue-key=" + key,
                    "swoole.task.message-queue-capacity=" + (msgmnb + 1) + "B", "swoole.task.tmpdir=" + this.tmp,
                    "swoole.task.dead-letter.directory=" + this.tmp.resolve("dead"), "swoole.task.worker-num=1")
            .run((context) -> failure[0] = context.getStartupFailure());
        assumeTrue(failure[0] != null, "this process may raise a queue's capacity above kernel.msgmnb"
                + " (CAP_SYS_RESOURCE), so the startup does not fail");
        assertThat(failure[0]).hasRootCauseInstanceOf(MessageQueueException.class);
        FailureAnalysis analysis = new MessageQueueFailureAnalyzer().analyze(failure[0]);
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).startsWith("The task queue could not be set up: ")
            .contains("needs CAP_SYS_RESOURCE");
        assertThat(((MessageQueueException) analysis.getCause()).errno()).as("EPERM").isEqualTo(1);
        assertThat(analysis.getAction()).contains("swoole.task.message-queue-capacity").contains("kernel.msgmnb");
    }
}
