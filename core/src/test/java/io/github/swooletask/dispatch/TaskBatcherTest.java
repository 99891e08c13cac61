package io.github.swooletask.dispatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.BatchCursor;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.TaskName;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@link TaskBatcher} on an {@link InMemoryTransport}: what a batch holds, when it goes out, a full queue. */
class TaskBatcherTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A linger no test waits for: only the test sends. */
    private static final long NEVER = TimeUnit.SECONDS.toNanos(600);

    @TempDir
    Path tmp;

    private final DispatchStatistics statistics = new DispatchStatistics();

    private final SentMessages sentMessages = new SentMessages();

    private final List<TaskBatcher> batchers = new ArrayList<>();

    @AfterEach
    void closeBatchers() {
        for (TaskBatcher batcher : this.batchers) {
            batcher.close(0);
        }
    }

    private TaskBatcher batcher(InMemoryTransport transport, long lingerNanos) {
        TaskBatcher batcher = new TaskBatcher(transport, 1, lingerNanos, this.statistics, this.sentMessages);
        this.batchers.add(batcher);
        return batcher;
    }

    private static long timeout() {
        return TIMEOUT.toNanos();
    }

    private static OutgoingTask text(String text) {
        return OutgoingTask.of(0, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The tasks of one batch frame, each as {@code id:from:flags:route:trace:payload}. */
    private List<String> tasksOf(byte[] frame) throws FrameRejectedException {
        FrameDecoder decoder = new FrameDecoder(new SpillFiles(this.tmp, 1 << 20));
        ByteBuffer buffer = ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder());
        DecodedTask task = new DecodedTask();
        decoder.decode(buffer, frame.length, task);
        assertThat(task.isBatch()).as("a batch").isTrue();
        assertThat(task.flags()).isEqualTo(TaskFlags.BATCH | TaskFlags.NONBLOCK);
        List<String> tasks = new ArrayList<>();
        BatchCursor batch = decoder.batch(buffer);
        while (batch.hasNext()) {
            batch.next(task);
            byte[] trace = task.trace();
            tasks.add(task.taskId() + ":" + task.fromId() + ":" + task.flags() + ":" + task.route() + ":"
                    + ((trace != null) ? new String(trace, StandardCharsets.UTF_8) : null) + ":"
                    + StandardCharsets.UTF_8.decode(task.payload()));
        }
        return tasks;
    }

    @Test
    void aBatchDecodesBackToItsTasks() throws Exception {
        InMemoryTransport transport = InMemoryTransport.preemptive(1);
        TaskBatcher batcher = batcher(transport, NEVER);
        byte[] trace = "traceparent=00-abc-01".getBytes(StandardCharsets.UTF_8);
        assertThat(batcher.append(0, OutgoingTask.ANY_WORKER, text("plain"), 1, 7, TaskFlags.NONBLOCK, timeout()))
            .isTrue();
        assertThat(batcher.append(0, OutgoingTask.ANY_WORKER, OutgoingTask.of(TaskName.of("mail"), TaskFlags.JSON,
                "{\"to\":\"x\"}".getBytes(StandardCharsets.UTF_8)), 2, 7, TaskFlags.REPLY, timeout())).isTrue();
        assertThat(batcher.append(0, OutgoingTask.ANY_WORKER, text("traced").withTrace(trace), 3, 7,
                TaskFlags.NONBLOCK, timeout())).isTrue();
        assertThat(transport.sent()).as("nothing sent while the batch is open").isEmpty();

        assertThat(batcher.flush(0, timeout())).isTrue();
        assertThat(transport.sent()).hasSize(1);
        assertThat(tasksOf(transport.sent().get(0))).containsExactly(
                "1:7:" + TaskFlags.NONBLOCK + ":null:null:plain",
                "2:7:" + (TaskFlags.REPLY | TaskFlags.JSON | TaskFlags.ROUTED) + ":mail:null:{\"to\":\"x\"}",
                "3:7:" + (TaskFlags.NONBLOCK | TaskFlags.TRACED) + ":null:traceparent=00-abc-01:traced");
        assertThat(this.statistics.queuedCount()).as("tasks queued").isEqualTo(3);
        assertThat(this.sentMessages.count()).as("messages sent").isEqualTo(1);
        assertThat(batcher.flush(0, timeout())).as("nothing left to flush").isTrue();
        assertThat(transport.sent()).hasSize(1);
    }

    @Test
    void framesUpToHalfABatchJoinABatchAndABatchStaysWithinHalfTheCapacity() {
        InMemoryTransport large = InMemoryTransport.preemptive(1);
        assertThat(TaskBatcher.batchLimit(large)).isEqualTo(TaskFrame.SPILL_THRESHOLD - 1);
        TaskBatcher batcher = batcher(large, NEVER);
        assertThat(batcher.maxItem()).as("four of the largest fit in a batch")
            .isEqualTo((TaskFrame.SPILL_THRESHOLD - 1 - TaskFrame.HEADER_SIZE) / 4);
        assertThat(batcher.accepts(1024 + TaskFrame.HEADER_SIZE)).as("a 1 KiB task").isTrue();
        assertThat(batcher.accepts(2048 + TaskFrame.HEADER_SIZE)).as("a 2 KiB task").isFalse();
        assertThat(batcher.accepts(batcher.maxItem())).isTrue();
        assertThat(batcher.accepts(batcher.maxItem() + 1)).isFalse();

        InMemoryTransport small = new InMemoryTransport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1000);
        assertThat(TaskBatcher.batchLimit(small)).isEqualTo(500);
        TaskBatcher smallBatcher = batcher(small, NEVER);
        assertThat(smallBatcher.accepts((500 - TaskFrame.HEADER_SIZE) / 4)).isTrue();
        assertThat(smallBatcher.accepts((500 - TaskFrame.HEADER_SIZE) / 4 + 1)).isFalse();
    }

    @Test
    void aFullBatchGoesOutBeforeTheTaskThatDoesNotFit() throws Exception {
        InMemoryTransport transport = InMemoryTransport.preemptive(1);
        TaskBatcher batcher = batcher(transport, NEVER);
        OutgoingTask task = OutgoingTask.of(0, new byte[400]);
        int perBatch = (TaskBatcher.batchLimit(transport) - TaskFrame.HEADER_SIZE) / task.inlineSize();
        for (int id = 1; id <= perBatch; id++) {
            assertThat(batcher.append(0, OutgoingTask.ANY_WORKER, task, id, 0, TaskFlags.NONBLOCK, timeout()))
                .isTrue();
        }
        assertThat(transport.sent()).as("a batch with room left stays open").isEmpty();
        assertThat(batcher.append(0, OutgoingTask.ANY_WORKER, task, perBatch + 1, 0, TaskFlags.NONBLOCK,
                timeout())).isTrue();
        assertThat(transport.sent()).as("the full batch went out first").hasSize(1);
        assertThat(tasksOf(transport.sent().get(0))).hasSize(perBatch).first().asString().startsWith("1:");
        assertThat(transport.sent().get(0).length).isLessThanOrEqualTo(TaskBatcher.batchLimit(transport));

        batcher.flush(0, timeout());
        assertThat(transport.sent()).hasSize(2);
        assertThat(tasksOf(transport.sent().get(1))).singleElement().asString().startsWith((perBatch + 1) + ":");
        assertThat(this.statistics.queuedCount()).isEqualTo(perBatch + 1);
    }

    @Test
    void anOpenBatchGoesOutAfterTheLinger() throws Exception {
        InMemoryTransport transport = InMemoryTransport.preemptive(1);
        TaskBatcher batcher = batcher(transport, TimeUnit.MILLISECONDS.toNanos(5));
        batcher.append(0, OutgoingTask.ANY_WORKER, text("lingers"), 1, 0, TaskFlags.NONBLOCK, timeout());
        await("the flusher to send the open batch").atMost(TIMEOUT).until(() -> transport.sent().size() == 1);
        assertThat(tasksOf(transport.sent().get(0)))
            .containsExactly("1:0:" + TaskFlags.NONBLOCK + ":null:null:lingers");
        assertThat(this.sentMessages.count()).isEqualTo(1);
    }

    @Test
    void aBatchThatFindsTheQueueFullStaysWholeUntilThereIsRoom() throws Exception {
        InMemoryTransport transport = new InMemoryTransport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1000);
        // another producer's message leaves room for 100 bytes only
        transport.post(0, new byte[900]);
        TaskBatcher batcher = batcher(transport, TimeUnit.MILLISECONDS.toNanos(1));
        batcher.append(0, OutgoingTask.ANY_WORKER, OutgoingTask.of(0, new byte[100]), 1, 0, TaskFlags.NONBLOCK,
                timeout());
        batcher.append(0, OutgoingTask.ANY_WORKER, OutgoingTask.of(0, new byte[100]), 2, 0, TaskFlags.NONBLOCK,
                timeout());
        await("the flusher to keep the batch while the queue is full").during(Duration.ofMillis(50))
            .atMost(TIMEOUT).until(() -> transport.sent().isEmpty());

        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);
        assertThat(transport.receiver(0).receive(buffer)).as("the other producer's message").isEqualTo(900);
        await("the flusher to send the batch once there is room").atMost(TIMEOUT)
            .until(() -> transport.sent().size() == 1);
        assertThat(tasksOf(transport.sent().get(0))).hasSize(2);
        assertThat(this.statistics.queuedCount()).isEqualTo(2);
    }

    @Test
    void closeSendsTheOpenBatches() throws Exception {
        InMemoryTransport transport = InMemoryTransport.preemptive(1);
        TaskBatcher batcher = batcher(transport, NEVER);
        batcher.append(0, OutgoingTask.ANY_WORKER, text("at close"), 1, 0, TaskFlags.NONBLOCK, timeout());
        batcher.close(TIMEOUT.toNanos());
        assertThat(transport.sent()).hasSize(1);
        assertThat(tasksOf(transport.sent().get(0)))
            .containsExactly("1:0:" + TaskFlags.NONBLOCK + ":null:null:at close");
    }
}
