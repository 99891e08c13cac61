package io.github.swooletask.spring.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.swooletask.sysv.MessageQueueException;
import io.github.swooletask.sysv.QueueRemovedException;
import io.github.swooletask.sysv.UnsupportedPlatformException;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link MessageQueueFailureAnalyzer}'s advice for each kind of queue failure, found in a startup's cause chain. */
class MessageQueueFailureAnalyzerTest {

    private final MessageQueueFailureAnalyzer analyzer = new MessageQueueFailureAnalyzer();

    /** The analysis of a startup that failed creating the transport bean because of {@code cause}. */
    private FailureAnalysis analysis(MessageQueueException cause) {
        FailureAnalysis analysis = this.analyzer
            .analyze(new BeanCreationException("taskTransport", "Failed to instantiate the transport", cause));
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).isEqualTo("The task queue could not be set up: " + cause.getMessage());
        assertThat(analysis.getCause()).isSameAs(cause);
        return analysis;
    }

    @Test
    void permissionDeniedPointsToTheKeyTheOwnerAndThePerms() {
        FailureAnalysis analysis = analysis(new MessageQueueException("permission denied opening queue key 0x515d0001",
                13));
        assertThat(analysis.getAction()).contains("swoole.task.message-queue-key")
            .contains("swoole.task.message-queue-perms").contains("ipcrm -Q");
    }

    @Test
    void noSpaceForAnotherQueuePointsToLeakedQueuesAndMsgmni() {
        FailureAnalysis analysis = analysis(new MessageQueueException("the system has its maximum of queues", 28));
        assertThat(analysis.getAction()).contains("ipcs -q").contains("ipcrm -q").contains("kernel.msgmni");
    }

    @Test
    void anUnsupportedPlatformPointsToTheUnixSocketMode() {
        FailureAnalysis analysis = analysis(new UnsupportedPlatformException("supported on Linux only, this is MAC"));
        assertThat(analysis.getAction()).contains("swoole.task.ipc-mode=1");
    }

    @Test
    void aCapacityAboveTheKernelLimitPointsToTheCapacityProperty() {
        FailureAnalysis analysis = analysis(new MessageQueueException("raising the capacity needs CAP_SYS_RESOURCE",
                1));
        assertThat(analysis.getAction()).contains("swoole.task.message-queue-capacity").contains("kernel.msgmnb")
            .contains("CAP_SYS_RESOURCE");
    }

    @Test
    void outOfMemoryPointsToTheCapacityProperty() {
        assertThat(analysis(new MessageQueueException("the kernel is out of memory", 12)).getAction())
            .contains("swoole.task.message-queue-capacity");
    }

    @Test
    void anyOtherQueueFailurePointsToIpcsAndTheKey() {
        assertThat(analysis(new QueueRemovedException("queue id 7 was removed", 43, 7)).getAction())
            .contains("ipcs -q").contains("swoole.task.message-queue-key").contains("swoole.task.ipc-mode=1");
    }

    @Test
    void otherFailuresAreLeftToOtherAnalyzers() {
        assertThat(this.analyzer.analyze(new IllegalStateException("not a queue failure"))).isNull();
    }
}
