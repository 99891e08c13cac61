package io.github.swooletask.dispatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.wire.BatchCursor;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.TaskName;
import io.github.swooletask.wire.WireFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** {@link TaskDispatcher} on an {@link InMemoryTransport}: ids, flags, targeting, the full-queue policy, batching. */
class TaskDispatcherTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private final TaskReplies replies = new TaskReplies();

    private final List<TaskDispatcher> dispatchers = new ArrayList<>();

    private final List<InMemoryTransport> transports = new ArrayList<>();

    @AfterEach
    void close() {
        this.dispatchers.forEach(TaskDispatcher::close);
        this.transports.forEach(InMemoryTransport::close);
    }

    private InMemoryTransport transport(IpcMode mode, int workers, long capacity) {
        InMemoryTransport transport = new InMemoryTransport(mode, workers, capacity);
        this.transports.add(transport);
        return transport;
    }

    private TaskDispatcher dispatcher(InMemoryTransport transport, DispatcherSettings settings) {
        TaskDispatcher dispatcher = new TaskDispatcher(transport, new FrameEncoder(spillFiles()), settings,
                this.replies);
        this.dispatchers.add(dispatcher);
        return dispatcher;
    }

    private SpillFiles spillFiles() {
        return new SpillFiles(this.tmp, 1 << 20);
    }

    /** Every task of the frames sent, batches unpacked, in order; each as {@code id:flags:route:payload}. */
    private List<String> tasksSent(InMemoryTransport transport) throws FrameRejectedException {
        FrameDecoder decoder = new FrameDecoder(spillFiles());
        DecodedTask task = new DecodedTask();
        List<String> tasks = new ArrayList<>();
        for (byte[] frame : transport.sent()) {
            ByteBuffer buffer = ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder());
            decoder.decode(buffer, frame.length, task);
            if (!task.isBatch()) {
                tasks.add(describe(task));
                continue;
            }
            BatchCursor batch = decoder.batch(buffer);
            while (batch.hasNext()) {
                batch.next(task);
                tasks.add(describe(task));
            }
        }
        return tasks;
    }

    private static String describe(DecodedTask task) {
        return task.taskId() + ":" + task.flags() + ":" + task.route() + ":"
                + StandardCharsets.UTF_8.decode(task.payload());
    }

    private static int flagsOf(byte[] frame) {
        return ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder()).getShort(TaskFrame.OFFSET_FLAGS) & 0xFFFF;
    }

    private static OutgoingTask text(String text) {
        return OutgoingTask.of(0, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tasksGetIdsFromOneAndCarryNonblockAndTheDispatchersTag() throws Exception {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1 << 20);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1));
        assertThat(dispatcher.dispatch(text("one"))).isEqualTo(1);
        assertThat(dispatcher.dispatch(OutgoingTask.of(TaskName.of("mail"), TaskFlags.JSON,
                "{}".getBytes(StandardCharsets.UTF_8)))).isEqualTo(2);
        assertThat(dispatcher.dispatch(text("three"))).isEqualTo(3);

        assertThat(tasksSent(transport)).containsExactly("1:" + TaskFlags.NONBLOCK + ":null:one",
                "2:" + (TaskFlags.NONBLOCK | TaskFlags.JSON | TaskFlags.ROUTED) + ":mail:{}",
                "3:" + TaskFlags.NONBLOCK + ":null:three");
        FrameDecoder decoder = new FrameDecoder(spillFiles());
        DecodedTask task = new DecodedTask();
        for (byte[] frame : transport.sent()) {
            decoder.decode(ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder()), frame.length, task);
            assertThat(task.fromId()).as("from id of task %d", task.taskId()).isEqualTo(this.replies.tag());
        }
        assertThat(dispatcher.statistics().queuedCount()).isEqualTo(3);
        assertThat(dispatcher.statistics().fullCount()).isZero();
        assertThat(dispatcher.statistics().errorCount()).isZero();
    }

    @Test
    void callsCarryReplyShareTheIdsAndCompleteWithTheResult() throws Exception {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1 << 20);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1));
        assertThat(dispatcher.dispatch(text("fire and forget"))).isEqualTo(1);
        CompletableFuture<Object> call = dispatcher.call(text("asks"), Duration.ofSeconds(10));
        assertThat(this.replies.pending()).isEqualTo(1);
        assertThat(flagsOf(transport.sent().get(1))).isEqualTo(TaskFlags.REPLY);

        // the worker of this JVM that runs it hands the result to the replies
        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);
        TaskReceiver receiver = transport.receiver(0);
        DecodedTask task = new DecodedTask();
        FrameDecoder decoder = new FrameDecoder(spillFiles());
        decoder.decode(buffer.frame(), receiver.receive(buffer), task);
        assertThat(task.taskId()).isEqualTo(1);
        decoder.decode(buffer.frame(), receiver.receive(buffer), task);
        assertThat(task.taskId()).isEqualTo(2);
        this.replies.completed(task, "ASKS");
        assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("ASKS");
        assertThat(this.replies.pending()).isZero();
    }

    @Test
    void aCallThatCannotBeQueuedFailsAndLeavesNoFutureBehind() {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 100);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.FAIL, Duration.ofSeconds(10)));
        dispatcher.dispatch(OutgoingTask.of(0, new byte[80]));
        QueueFullException full = catchThrowableOfType(QueueFullException.class,
                () -> dispatcher.call(OutgoingTask.of(0, new byte[80]), Duration.ofSeconds(10)));
        assertThat(full).isNotNull();
        assertThat(this.replies.pending()).isZero();
    }

    @Test
    void inMode2ATaskGoesToTheWorkerAskedForOrTheSelectorsPick() throws Exception {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE, 3, 1 << 20);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(3).withWorkerSelector(() -> 1));
        dispatcher.dispatch(text("for worker 2").to(2));
        dispatcher.dispatch(text("for anyone"));
        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);
        assertThat(transport.receiver(2).receive(buffer)).isEqualTo(TaskFrame.HEADER_SIZE + 12);
        assertThat(buffer.frame().getInt(TaskFrame.OFFSET_TASK_ID)).isEqualTo(1);
        assertThat(transport.receiver(1).receive(buffer)).isEqualTo(TaskFrame.HEADER_SIZE + 10);
        assertThat(buffer.frame().getInt(TaskFrame.OFFSET_TASK_ID)).isEqualTo(2);
        assertThat(transport.status().depth()).as("nothing for worker 0").isZero();
    }

    @Test
    void aPreparedTaskHasItsIdAtOnceAndGoesOutOnlyWhenSentOnce() throws Exception {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1 << 20);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1));
        PreparedTask later = dispatcher.prepare(text("later"), null);
        PreparedTask call = dispatcher.prepare(text("asks later"), Duration.ofSeconds(10));
        PreparedTask dropped = dispatcher.prepare(text("never"), Duration.ofSeconds(10));
        assertThat(List.of(later.taskId(), call.taskId(), dropped.taskId())).containsExactly(1, 2, 3);
        assertThat(later.result()).isNull();
        assertThat(transport.sent()).as("nothing sent before send()").isEmpty();
        assertThat(this.replies.pending()).isEqualTo(2);

        dropped.discard(new IllegalStateException("rolled back"));
        assertThatThrownBy(() -> dropped.result().get(10, TimeUnit.SECONDS)).hasRootCauseMessage("rolled back");
        dropped.send();
        call.send();
        later.send();
        later.send();
        assertThat(tasksSent(transport)).as("each sent once, in the order sent, discarded never")
            .containsExactly("2:" + TaskFlags.REPLY + ":null:asks later", "1:" + TaskFlags.NONBLOCK + ":null:later");
        assertThat(this.replies.pending()).as("the call waits for its result").isEqualTo(1);
    }

    @Test
    void aPreparedTaskIsCheckedWhenPreparedNotWhenSent() {
        InMemoryTransport directed = transport(IpcMode.MSGQUEUE, 3, 1 << 20);
        TaskDispatcher mode2 = dispatcher(directed, DispatcherSettings.of(3));
        assertThatIllegalArgumentException().isThrownBy(() -> mode2.prepare(text("x").to(3), null))
            .withMessageContaining("worker 3 does not exist");
        TaskDispatcher swoole = dispatcher(transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1 << 20),
                DispatcherSettings.of(1).withWireFormat(WireFormat.SWOOLE_6_1));
        assertThatIllegalArgumentException()
            .isThrownBy(() -> swoole.prepare(OutgoingTask.of(TaskName.of("named"), 0, new byte[1]), null))
            .withMessageContaining("cannot travel in wire format");
        assertThat(this.replies.pending()).isZero();
    }

    @Test
    void aTargetThatCannotBeHonouredIsRefused() {
        InMemoryTransport directed = transport(IpcMode.MSGQUEUE, 3, 1 << 20);
        TaskDispatcher mode2 = dispatcher(directed, DispatcherSettings.of(3));
        assertThatIllegalArgumentException().isThrownBy(() -> mode2.dispatch(text("x").to(3)))
            .withMessageContaining("worker 3 does not exist: worker ids run from 0 to 2");
        InMemoryTransport preemptive = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 3, 1 << 20);
        TaskDispatcher mode3 = dispatcher(preemptive, DispatcherSettings.of(3));
        assertThatIllegalArgumentException().isThrownBy(() -> mode3.dispatch(text("x").to(0)))
            .withMessageContaining("only in ipc-mode 2").withMessageContaining("this is ipc-mode 3");
        assertThat(directed.sent()).isEmpty();
        assertThat(preemptive.sent()).isEmpty();
        assertThat(mode2.statistics().queuedCount() + mode3.statistics().queuedCount()).isZero();
    }

    @Test
    void policyFailRefusesAtOnceSayingHowFullTheQueueIs() {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 100);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.FAIL, Duration.ofSeconds(30)));
        dispatcher.dispatch(OutgoingTask.of(0, new byte[50]));
        QueueFullException full = catchThrowableOfType(QueueFullException.class,
                () -> dispatcher.dispatch(OutgoingTask.of(0, new byte[50])));
        assertThat(full.getMessage()).startsWith("task queue is full: 1 tasks, 62 of 100 bytes")
            .doesNotContain("no room came within");
        assertThat(full.waited()).as("a refusal without a wait").isNull();
        assertThat(full.closing()).isFalse();
        assertThat(full.mode()).isEqualTo(IpcMode.MSGQUEUE_PREEMPTIVE);
        assertThat(dispatcher.statistics().fullCount()).isEqualTo(1);
        assertThat(dispatcher.statistics().queuedCount()).isEqualTo(1);
        assertThat(transport.sent()).hasSize(1);
    }

    @Test
    void policyBlockGivesUpAfterTheDispatchTimeout() {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 100);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofMillis(100)));
        dispatcher.dispatch(OutgoingTask.of(0, new byte[50]));
        long start = System.nanoTime();
        QueueFullException full = catchThrowableOfType(QueueFullException.class,
                () -> dispatcher.dispatch(OutgoingTask.of(0, new byte[50])));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for room")
            .isGreaterThanOrEqualTo(Duration.ofMillis(100));
        assertThat(full.getMessage()).contains("no room came within 100 ms");
        assertThat(full.waited()).isEqualTo(Duration.ofMillis(100));
        assertThat(dispatcher.statistics().fullCount()).isEqualTo(1);
    }

    @Test
    void policyBlockQueuesTheTaskOnceRoomComes() throws Exception {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 100);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.BLOCK, DEADLINE));
        dispatcher.dispatch(OutgoingTask.of(0, new byte[50]));
        CompletableFuture<Integer> waiting = CompletableFuture
            .supplyAsync(() -> dispatcher.dispatch(OutgoingTask.of(0, new byte[50])));
        await("the second dispatch to wait for room").during(Duration.ofMillis(50)).atMost(DEADLINE)
            .until(() -> !waiting.isDone());
        transport.receiver(0).receive(FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE));
        assertThat(waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(dispatcher.statistics().queuedCount()).isEqualTo(2);
        assertThat(dispatcher.statistics().fullCount()).isZero();
    }

    @Test
    void closingEndsAWaitForRoom() {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 100);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofSeconds(60)));
        dispatcher.dispatch(OutgoingTask.of(0, new byte[50]));
        CompletableFuture<Integer> waiting = CompletableFuture
            .supplyAsync(() -> dispatcher.dispatch(OutgoingTask.of(0, new byte[50])));
        await("the second dispatch to wait for room").during(Duration.ofMillis(50)).atMost(DEADLINE)
            .until(() -> !waiting.isDone());
        dispatcher.close();
        await("the wait to end").atMost(DEADLINE).until(waiting::isDone);
        Throwable failure = catchThrowable(waiting::join);
        assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(QueueFullException.class);
        QueueFullException full = (QueueFullException) failure.getCause();
        assertThat(full.closing()).isTrue();
        assertThat(full.getMessage()).contains("the dispatcher is closing");
    }

    @Test
    void tasksTravelAloneWhileTheWorkersKeepUp() throws Exception {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1 << 20);
        // the workers have taken every message sent so far: no backlog
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withBatching(DispatcherSettings.Batching.on(Duration.ofMillis(1), () -> transport.sent().size())));
        assertThat(dispatcher.isBatching()).isTrue();
        for (int i = 1; i <= 20; i++) {
            dispatcher.dispatch(text("task " + i));
        }
        dispatcher.flush();
        assertThat(transport.sent()).hasSize(20).allSatisfy((frame) -> assertThat(flagsOf(frame)).isEqualTo(
                TaskFlags.NONBLOCK));
        assertThat(tasksSent(transport)).hasSize(20);
    }

    @Test
    void smallTasksAreBatchedOnceABacklogIsClaimed() throws Exception {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1 << 20);
        // no worker takes anything: the backlog grows with every message sent
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withBatching(DispatcherSettings.Batching.on(Duration.ofSeconds(10), () -> 0)));
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            dispatcher.dispatch(text("task " + i));
            expected.add(i + ":" + TaskFlags.NONBLOCK + ":null:task " + i);
        }
        byte[] large = new byte[TaskFrame.SPILL_THRESHOLD / 2];  // a frame over half a batch
        dispatcher.dispatch(OutgoingTask.of(0, large));
        dispatcher.flush();

        List<byte[]> frames = transport.sent();
        long threshold = BacklogEstimate.thresholdFor(1);
        assertThat(frames.subList(0, (int) threshold)).as("sent alone before the backlog")
            .allSatisfy((frame) -> assertThat(flagsOf(frame) & TaskFlags.BATCH).isZero());
        assertThat(frames.get((int) threshold)).as("the next frame").satisfies((frame) -> assertThat(flagsOf(frame))
            .isEqualTo(TaskFlags.BATCH | TaskFlags.NONBLOCK));
        assertThat(frames.get(frames.size() - 1)).as("a task too large for a batch travels alone, after the batch")
            .hasSize(TaskFrame.HEADER_SIZE + large.length)
            .satisfies((frame) -> assertThat(flagsOf(frame)).isEqualTo(TaskFlags.NONBLOCK));
        List<String> tasks = tasksSent(transport);
        assertThat(tasks.subList(0, 20)).as("every small task once, in order").isEqualTo(expected);
        assertThat(tasks).hasSize(21);
        assertThat(frames).as("fewer messages than tasks").hasSizeLessThan(21);
        assertThat(dispatcher.statistics().queuedCount()).isEqualTo(21);
    }

    @Test
    void kibibyteTasksAreBatchedOnceAnEighthOfTheQueueWaits() throws Exception {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 2, 16_384);
        // no worker takes anything; with 2 workers small messages claim a backlog from 4 on, 1 KiB ones from 2 on
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(2)
            .withBatching(DispatcherSettings.Batching.on(Duration.ofSeconds(10), () -> 0)));
        for (int i = 0; i < 8; i++) {
            dispatcher.dispatch(OutgoingTask.of(0, new byte[1024]));
        }
        dispatcher.flush();

        List<byte[]> frames = transport.sent();
        assertThat(frames.subList(0, 2)).as("sent alone before 2 KiB waited")
            .allSatisfy((frame) -> assertThat(flagsOf(frame) & TaskFlags.BATCH).isZero());
        assertThat(frames.get(2)).as("the third frame").satisfies((frame) -> assertThat(flagsOf(frame))
            .isEqualTo(TaskFlags.BATCH | TaskFlags.NONBLOCK));
        assertThat(frames).as("two alone, then one batch of six").hasSize(3);
        assertThat(tasksSent(transport)).hasSize(8);
    }

    @Test
    void onceTheQueueIsSeenFullNoTaskJoinsABatchUntilItWentOut() throws Exception {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1024);
        // no worker takes anything; a dispatch waits at most 50 ms for room
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.BLOCK, Duration.ofMillis(50))
            .withBatching(DispatcherSettings.Batching.on(Duration.ofMillis(1), () -> 0)));
        dispatcher.dispatch(text("alone 1"));
        dispatcher.dispatch(text("alone 2"));
        int accepted = dispatcher.dispatch(text("batched before the queue filled"));
        // another program fills the queue
        FrameBuffer filler = FrameBuffer.allocate(64);
        while (transport.send(filler, 64, 0, false)) {
            // until full
        }
        await("the flusher finds the queue full").atMost(DEADLINE).until(() -> dispatcher.batchWaitsForRoom(0));
        for (int i = 0; i < 5; i++) {
            int n = i;
            assertThat(catchThrowable(() -> dispatcher.dispatch(text("while full " + n))))
                .as("a task dispatched while the queue is known full is refused, not held in memory")
                .isInstanceOf(QueueFullException.class);
        }
        transport.purge(DroppedFrames.NONE);
        int after = dispatcher.dispatch(text("after room came"));
        dispatcher.flush();
        assertThat(after).isGreaterThan(accepted);
        List<String> tail = tasksAfterFillers(transport);
        assertThat(tail).containsExactly(accepted + ":" + TaskFlags.NONBLOCK + ":null:batched before the queue filled",
                after + ":" + TaskFlags.NONBLOCK + ":null:after room came");
    }

    /** The tasks of the frames sent after the last 64-byte filler frame. */
    private List<String> tasksAfterFillers(InMemoryTransport transport) throws FrameRejectedException {
        List<byte[]> frames = transport.sent();
        int last = -1;
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i).length == 64 && frames.get(i)[0] == 0 && frames.get(i)[8] == 0) {
                last = i;
            }
        }
        InMemoryTransport tail = new InMemoryTransport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1 << 20);
        this.transports.add(tail);
        for (byte[] frame : frames.subList(last + 1, frames.size())) {
            FrameBuffer buffer = FrameBuffer.allocate(frame.length);
            buffer.frame().put(0, frame);
            tail.send(buffer, frame.length, 0, false);
        }
        return tasksSent(tail);
    }

    @Test
    void policyFailNeverBatches() {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1 << 20);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withFullQueuePolicy(FullQueuePolicy.FAIL, Duration.ofSeconds(1))
            .withBatching(DispatcherSettings.Batching.on(Duration.ofSeconds(10), () -> 0)));
        assertThat(dispatcher.isBatching()).isFalse();
        for (int i = 0; i < 10; i++) {
            dispatcher.dispatch(text("task " + i));
        }
        assertThat(transport.sent()).hasSize(10)
            .allSatisfy((frame) -> assertThat(flagsOf(frame) & TaskFlags.BATCH).isZero());
    }

    @Test
    void theFortyByteLayoutsNeverBatchAndCarryNoNameOrTrace() {
        InMemoryTransport transport = transport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, 1 << 20);
        TaskDispatcher dispatcher = dispatcher(transport, DispatcherSettings.of(1)
            .withBatching(DispatcherSettings.Batching.on(Duration.ofSeconds(10), () -> 0))
            .withWireFormat(WireFormat.SWOOLE_6_1));
        assertThat(dispatcher.isBatching()).as("batching asked for, but a batch is no Swoole frame").isFalse();
        for (int i = 0; i < 10; i++) {
            dispatcher.dispatch(text("task " + i).withTrace("traceparent=00-x\n".getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(transport.sent()).hasSize(10).allSatisfy((frame) -> {
            ByteBuffer header = ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder());
            assertThat(header.get(DataHead.OFFSET_TYPE)).isEqualTo((byte) DataHead.TYPE_TASK_6_1);
            assertThat(header.getShort(DataHead.OFFSET_EXT_FLAGS) & 0xFFFF)
                .as("NONBLOCK|NOREPLY, no TRACED").isEqualTo(TaskFlags.NONBLOCK | TaskFlags.NOREPLY);
        });
        assertThatIllegalArgumentException()
            .isThrownBy(() -> dispatcher.dispatch(OutgoingTask.of(TaskName.of("named"), 0, new byte[1])))
            .withMessageContaining("cannot travel in wire format swoole-6.1");
    }
}
