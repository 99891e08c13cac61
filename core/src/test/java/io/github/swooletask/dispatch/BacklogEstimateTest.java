package io.github.swooletask.dispatch;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link BacklogEstimate} on its own: the thresholds, the write-off of lost messages, a failing depth probe. */
class BacklogEstimateTest {

    private static final long INTERVAL = 10_000_000L;

    /** A time well past the first check interval. */
    private static final long T0 = 1_000_000_000L;

    private final AtomicInteger probes = new AtomicInteger();

    private LongSupplier depth(long messages) {
        return () -> {
            this.probes.incrementAndGet();
            return messages;
        };
    }

    private LongSupplier failingDepth() {
        return () -> {
            this.probes.incrementAndGet();
            throw new IllegalStateException("the queue's state cannot be read");
        };
    }

    @Test
    void thresholdIsTwiceTheWorkersAndAtLeastTwo() {
        assertThat(BacklogEstimate.thresholdFor(1)).isEqualTo(2);
        assertThat(BacklogEstimate.thresholdFor(3)).isEqualTo(6);
        assertThat(BacklogEstimate.thresholdFor(0)).isEqualTo(2);
    }

    @Test
    void largeMessagesClaimABacklogFromAnEighthOfTheQueueOn() {
        assertThat(BacklogEstimate.byteThresholdFor(16_384)).isEqualTo(2_048);
        assertThat(BacklogEstimate.byteThresholdFor(Long.MAX_VALUE)).as("capacity unknown").isEqualTo(Long.MAX_VALUE);
        BacklogEstimate estimate = new BacklogEstimate(4, 2_048, INTERVAL);
        assertThat(estimate.messagesFor(0)).as("size unknown").isEqualTo(4);
        assertThat(estimate.messagesFor(28)).as("small messages").isEqualTo(4);
        assertThat(estimate.messagesFor(512)).isEqualTo(4);
        assertThat(estimate.messagesFor(1_036)).as("1 KiB frames").isEqualTo(2);
        assertThat(estimate.messagesFor(2_100)).isEqualTo(1);
        assertThat(estimate.messagesFor(7_264)).as("a batch of seven 1 KiB frames").isEqualTo(1);
        LongSupplier clock = () -> T0;
        assertThat(estimate.hasBacklog(1, 0, 7_264, clock, depth(1))).as("one batch waiting").isTrue();
        assertThat(estimate.hasBacklog(1, 1, 7_264, clock, depth(0))).as("none waiting").isFalse();
        assertThat(estimate.hasBacklog(1, 0, 28, clock, depth(1))).as("one small message waiting").isFalse();
        assertThat(new BacklogEstimate(4, INTERVAL).hasBacklog(1, 0, 7_264, clock, depth(1)))
            .as("no byte threshold").isFalse();
    }

    @Test
    void aBacklogIsClaimedFromTheThresholdOn() {
        BacklogEstimate estimate = new BacklogEstimate(4, INTERVAL);
        assertThat(estimate.hasBacklog(3, 0, T0, depth(0))).isFalse();
        assertThat(estimate.hasBacklog(10, 7, T0, depth(0))).as("3 waiting").isFalse();
        assertThat(estimate.hasBacklog(4, 0, T0, depth(0))).isTrue();
        assertThat(estimate.hasBacklog(11, 7, T0, depth(0))).as("4 waiting").isTrue();
        assertThat(this.probes.get()).as("depth probes without a check due on an idle queue").isZero();
    }

    @Test
    void anEmptyQueueWithoutProgressWritesTheEstimateOff() {
        BacklogEstimate estimate = new BacklogEstimate(4, INTERVAL);
        // the first check only notes how many the workers took
        assertThat(estimate.hasBacklog(10, 0, T0, depth(0))).isTrue();
        assertThat(estimate.hasBacklog(11, 0, T0 + INTERVAL / 2, depth(0))).as("within the interval").isTrue();
        assertThat(this.probes.get()).isZero();
        // a check is due, the workers took nothing since the last one, and the kernel shows the queue empty
        assertThat(estimate.hasBacklog(12, 0, T0 + INTERVAL + 1, depth(0))).isFalse();
        assertThat(this.probes.get()).isEqualTo(1);
        // the 12 messages are written off: the estimate counts again from there
        assertThat(estimate.hasBacklog(15, 0, T0 + INTERVAL + 2, depth(0))).as("3 after the write-off").isFalse();
        assertThat(estimate.hasBacklog(16, 0, T0 + INTERVAL + 3, depth(0))).as("4 after the write-off").isTrue();
        assertThat(this.probes.get()).as("no second check within the interval").isEqualTo(1);
    }

    @Test
    void messagesInTheQueueKeepTheBacklog() {
        BacklogEstimate estimate = new BacklogEstimate(4, INTERVAL);
        assertThat(estimate.hasBacklog(10, 0, T0, depth(10))).isTrue();
        assertThat(estimate.hasBacklog(10, 0, T0 + INTERVAL + 1, depth(10))).isTrue();
        assertThat(estimate.hasBacklog(10, 0, T0 + 2 * INTERVAL + 2, depth(10))).isTrue();
        assertThat(this.probes.get()).isEqualTo(2);
    }

    @Test
    void workersMakingProgressAreNotProbed() {
        BacklogEstimate estimate = new BacklogEstimate(4, INTERVAL);
        assertThat(estimate.hasBacklog(10, 0, T0, depth(0))).isTrue();
        assertThat(estimate.hasBacklog(20, 5, T0 + INTERVAL + 1, depth(0))).isTrue();
        assertThat(estimate.hasBacklog(30, 10, T0 + 2 * INTERVAL + 2, depth(0))).isTrue();
        assertThat(this.probes.get()).as("the depth is read only when the workers took nothing").isZero();
    }

    @Test
    void aFailingDepthProbeMeansNoBacklogAndWritesNothingOff() {
        BacklogEstimate estimate = new BacklogEstimate(4, INTERVAL);
        assertThat(estimate.hasBacklog(10, 0, T0, failingDepth())).isTrue();
        assertThat(estimate.hasBacklog(10, 0, T0 + INTERVAL + 1, failingDepth())).isFalse();
        assertThat(this.probes.get()).isEqualTo(1);
        // nothing was written off: within the next interval the estimate claims the backlog again
        assertThat(estimate.hasBacklog(10, 0, T0 + INTERVAL + 2, failingDepth())).isTrue();
        assertThat(this.probes.get()).isEqualTo(1);
    }
}
