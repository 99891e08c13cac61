package io.github.swooletask.spring.lifecycle;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How the drain timeout fits in the context's shutdown phase. */
class TaskWorkerLifecycleTest {

    @Test
    void aShutdownTimeoutThatFitsIsKept() {
        assertThat(TaskWorkerLifecycle.drainTimeout(Duration.ofSeconds(20), Duration.ofSeconds(30)))
            .isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void aShutdownTimeoutLongerThanThePhaseIsCutToLeaveTheStopItsOverhead() {
        assertThat(TaskWorkerLifecycle.drainTimeout(Duration.ofSeconds(60), Duration.ofSeconds(30)))
            .isEqualTo(Duration.ofSeconds(30).minus(TaskWorkerLifecycle.STOP_OVERHEAD));
    }

    @Test
    void aPhaseShorterThanTheOverheadLeavesNoDrain() {
        assertThat(TaskWorkerLifecycle.drainTimeout(Duration.ofSeconds(5), Duration.ofSeconds(1)))
            .isEqualTo(Duration.ZERO);
    }
}
