package io.github.swooletask.dispatch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On a real queue, batching follows the backlog, and messages lost with the queue (drained here by the test, as
 * after {@code ipcrm}) do not keep it on for good.
 */
class BacklogEstimateIntegrationTests {

    @RegisterExtension
    final SysVQueueExtension queues = SysVQueueExtension.privateQueue();

    @TempDir
    Path tmp;

    private SysVTransport transport;

    private TaskDispatcher dispatcher;

    @AfterEach
    void cleanUp() {
        if (this.dispatcher != null) {
            this.dispatcher.close();
        }
        if (this.transport != null) {
            this.transport.close();
        }
    }

    @Test
    void batchesWhileMessagesWaitAndStopsOnceTheLostOnesAreWrittenOff() {
        MessageQueue queue = this.queues.queue();
        this.transport = new SysVTransport(queue, IpcMode.MSGQUEUE_PREEMPTIVE, 2);
        AtomicLong received = new AtomicLong();
        DispatcherSettings settings = DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofSeconds(5))
            .withBatching(DispatcherSettings.Batching.on(Duration.ofMillis(1), received::get));
        this.dispatcher = new TaskDispatcher(this.transport, new FrameEncoder(new SpillFiles(this.tmp, 1 << 20)),
                settings, new TaskReplies());
        for (int i = 0; i < 10; i++) {
            this.dispatcher.dispatch(new OutgoingTask(null, 0, null, new byte[16], -1));
        }
        this.dispatcher.flush();
        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);
        int direct = 0;
        int batches = 0;
        while (queue.receive(buffer, 0, false) >= 0) {
            if ((buffer.frame().getShort(TaskFrame.OFFSET_FLAGS) & TaskFlags.BATCH) != 0) {
                batches++;
            }
            else {
                direct++;
            }
        }
        // nothing was "received" by a worker, so after a few direct sends the backlog estimate turns batching on
        assertThat(direct).isBetween(2, 9);
        assertThat(batches).isPositive();

        // the queue is now empty (as after ipcrm) and no worker takes anything: the estimate must be written off at
        // its next check of the real depth, at most 10 ms later; one task is tried every 15 ms, five times at most
        AtomicInteger tries = new AtomicInteger();
        await("a task sent alone once the kernel showed the queue empty and idle")
            .pollDelay(Duration.ofMillis(15)).pollInterval(Duration.ofMillis(15)).atMost(Duration.ofSeconds(1))
            .untilAsserted(() -> {
                tries.incrementAndGet();
                this.dispatcher.dispatch(new OutgoingTask(null, 0, null, new byte[16], -1));
                this.dispatcher.flush();
                assertThat(queue.receive(buffer, 0, false)).isPositive();
                assertThat(buffer.frame().getShort(TaskFrame.OFFSET_FLAGS) & TaskFlags.BATCH).as("batch flag")
                    .isZero();
            });
        assertThat(tries.get()).as("tries before a task went alone").isLessThanOrEqualTo(5);
    }
}
