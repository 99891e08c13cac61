package io.github.swooletask.dispatch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

import static org.assertj.core.api.Assertions.assertThat;

/** Batching follows the backlog, and messages lost with the queue do not keep it on for good. */
class BacklogEstimateTest {

    @TempDir
    Path tmp;

    private MessageQueue queue;

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
    void batchesWhileMessagesWaitAndStopsOnceTheLostOnesAreWrittenOff() throws Exception {
        this.queue = MessageQueue.createPrivate(0600);
        this.transport = new SysVTransport(this.queue, IpcMode.MSGQUEUE_PREEMPTIVE, 2);
        AtomicLong received = new AtomicLong();
        this.dispatcher = new TaskDispatcher(this.transport, new FrameEncoder(new SpillFiles(this.tmp, 1 << 20)), DispatcherSettings.of(1).withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofSeconds(5)).withBatching(DispatcherSettings.Batching.on(Duration.ofMillis(1), received::get)), new TaskReplies());
        for (int i = 0; i < 10; i++) {
            this.dispatcher.dispatch(new OutgoingTask(null, 0, null, new byte[16], -1));
        }
        this.dispatcher.flush();
        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);
        int direct = 0;
        int batches = 0;
        while (this.queue.receive(buffer, 0, false) >= 0) {
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

        // the queue is now empty (as after ipcrm) and no worker takes anything: the estimate must be written off
        boolean sentAlone = false;
        for (int attempt = 0; attempt < 5 && !sentAlone; attempt++) {
            Thread.sleep(15);
            this.dispatcher.dispatch(new OutgoingTask(null, 0, null, new byte[16], -1));
            this.dispatcher.flush();
            assertThat(this.queue.receive(buffer, 0, false)).isPositive();
            sentAlone = (buffer.frame().getShort(TaskFrame.OFFSET_FLAGS) & TaskFlags.BATCH) == 0;
        }
        assertThat(sentAlone).as("a task sent alone once the kernel showed the queue empty and idle").isTrue();
    }
}
