package io.github.swooletask.dispatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.BatchCursor;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link GroupCommitBatcher} and {@link TaskDispatcher} over a transport whose send waits for a round trip: an idle
 * task is sent by its dispatching thread at once, tasks gathered during a round trip go out together as soon as it
 * came back, without a linger and without a backlog; a failed send keeps its tasks.
 */
class GroupCommitBatcherTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private final DispatchStatistics statistics = new DispatchStatistics();

    private final SentMessages sentMessages = new SentMessages();

    private final List<RoundTripTransport> transports = new ArrayList<>();

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        // sends held by a test that failed come back first, so that nothing waits for them
        for (RoundTripTransport transport : this.transports) {
            transport.failing = false;
            transport.open();
        }
        for (AutoCloseable closeable : this.closeables) {
            closeable.close();
        }
        for (RoundTripTransport transport : this.transports) {
            transport.close();
        }
    }

    private RoundTripTransport transport() {
        RoundTripTransport transport = new RoundTripTransport();
        this.transports.add(transport);
        return transport;
    }

    private GroupCommitBatcher batcher(RoundTripTransport transport) {
        GroupCommitBatcher batcher = new GroupCommitBatcher(transport, 1, this.statistics, this.sentMessages);
        this.closeables.add(() -> batcher.close(0));
        return batcher;
    }

    private static OutgoingTask text(String text) {
        return OutgoingTask.of(0, text.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean append(Batcher batcher, int id, OutgoingTask task) {
        return batcher.append(0, OutgoingTask.ANY_WORKER, task, id, 0, TaskFlags.NONBLOCK, TIMEOUT.toNanos());
    }

    /** The task ids of each message that arrived, a batch's in order. */
    private List<List<Integer>> idsPerMessage(RoundTripTransport transport) throws FrameRejectedException {
        FrameDecoder decoder = new FrameDecoder(new SpillFiles(this.tmp, 1 << 20));
        DecodedTask task = new DecodedTask();
        List<List<Integer>> messages = new ArrayList<>();
        for (byte[] frame : transport.memory.sent()) {
            ByteBuffer buffer = ByteBuffer.wrap(frame).order(ByteOrder.nativeOrder());
            decoder.decode(buffer, frame.length, task);
            List<Integer> ids = new ArrayList<>();
            if (task.isBatch()) {
                BatchCursor batch = decoder.batch(buffer);
                while (batch.hasNext()) {
                    batch.next(task);
                    ids.add(task.taskId());
                }
            }
            else {
                ids.add(task.taskId());
            }
            messages.add(ids);
        }
        return messages;
    }

    @Test
    void anIdleTaskIsSentByItsOwnThreadAndTasksOfTheRoundTripGoTogetherRightAfterIt() throws Exception {
        RoundTripTransport transport = transport();
        GroupCommitBatcher batcher = batcher(transport);
        assertThat(batcher.batchesAlways()).isTrue();
        transport.shut();
        assertThat(append(batcher, 1, text("first"))).isTrue();
        assertThat(transport.underWay()).as("sent at once, no linger").isEqualTo(1);
        assertThat(transport.senders).as("by the dispatching thread, no hand-over")
            .containsExactly(Thread.currentThread().getName());
        for (int id = 2; id <= 6; id++) {
            assertThat(append(batcher, id, text("while the first is under way " + id))).isTrue();
        }
        assertThat(transport.underWay()).as("one send under way at a time").isEqualTo(1);
        assertThat(transport.memory.sent()).isEmpty();

        transport.open();
        await("the second batch right after the first came back").atMost(TIMEOUT)
            .until(() -> transport.memory.sent().size() == 2);
        assertThat(idsPerMessage(transport)).containsExactly(List.of(1), List.of(2, 3, 4, 5, 6));
        assertThat(this.statistics.queuedCount()).isEqualTo(6);
        assertThat(this.sentMessages.count()).isEqualTo(2);
    }

    @Test
    void aFullBatchWaitsForTheSendUnderWayAndGoesOutInOrder() throws Exception {
        RoundTripTransport transport = transport();
        GroupCommitBatcher batcher = batcher(transport);
        OutgoingTask task = OutgoingTask.of(0, new byte[400]);
        int perBatch = (TaskBatcher.batchLimit(transport) - TaskFrame.HEADER_SIZE) / task.inlineSize();
        transport.shut();
        append(batcher, 1, task);
        for (int id = 2; id <= perBatch + 1; id++) {
            assertThat(append(batcher, id, task)).isTrue();
        }
        CompletableFuture<Boolean> overflow = CompletableFuture.supplyAsync(() -> append(batcher, perBatch + 2,
                task));
        await("the producer of a task that does not fit waits for the round trip under way")
            .during(Duration.ofMillis(100)).atMost(TIMEOUT).until(() -> !overflow.isDone());

        transport.open();
        assertThat(overflow.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(batcher.flush(0, TIMEOUT.toNanos())).isTrue();
        List<Integer> full = new ArrayList<>();
        for (int id = 2; id <= perBatch + 1; id++) {
            full.add(id);
        }
        assertThat(idsPerMessage(transport)).containsExactly(List.of(1), full, List.of(perBatch + 2));
        assertThat(this.statistics.queuedCount()).isEqualTo(perBatch + 2);
    }

    @Test
    void aFullBatchGivesUpAfterTheTimeoutWhileTheSendStaysUnderWay() {
        RoundTripTransport transport = transport();
        GroupCommitBatcher batcher = batcher(transport);
        OutgoingTask task = OutgoingTask.of(0, new byte[400]);
        int perBatch = (TaskBatcher.batchLimit(transport) - TaskFrame.HEADER_SIZE) / task.inlineSize();
        transport.shut();
        for (int id = 1; id <= perBatch + 1; id++) {
            append(batcher, id, task);
        }
        assertThat(batcher.append(0, OutgoingTask.ANY_WORKER, task, perBatch + 2, 0, TaskFlags.NONBLOCK,
                TimeUnit.MILLISECONDS.toNanos(50))).as("not added: the dispatcher throws QueueFullException").isFalse();
    }

    @Test
    void aFailedSendKeepsItsTasksAndTheNextProducerGetsTheFailure() throws Exception {
        RoundTripTransport transport = transport();
        GroupCommitBatcher batcher = batcher(transport);
        transport.failing = true;
        assertThat(append(batcher, 1, text("accepted before the failure"))).isTrue();
        assertThat(batcher.waitsForRoom(0)).as("the send failed at once").isTrue();
        assertThatThrownBy(() -> append(batcher, 2, text("refused"))).isInstanceOf(IllegalStateException.class)
            .hasMessage("the server is away");

        transport.failing = false;
        await("the retrier to send the kept batch once sends work again").atMost(TIMEOUT)
            .until(() -> transport.memory.sent().size() == 1);
        assertThat(append(batcher, 3, text("after"))).isTrue();
        await().atMost(TIMEOUT).until(() -> transport.memory.sent().size() == 2);
        assertThat(idsPerMessage(transport)).as("each accepted task once, in order")
            .containsExactly(List.of(1), List.of(3));
        assertThat(batcher.waitsForRoom(0)).isFalse();
    }

    @Test
    void closeSendsTheBatchUnderWayAndTheOpenOne() throws Exception {
        RoundTripTransport transport = transport();
        GroupCommitBatcher batcher = batcher(transport);
        transport.shut();
        append(batcher, 1, text("under way"));
        append(batcher, 2, text("open"));
        CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS).execute(transport::open);
        batcher.close(TIMEOUT.toNanos());
        assertThat(idsPerMessage(transport)).containsExactly(List.of(1), List.of(2));
    }

    @Test
    void theDispatcherBatchesEverySmallTaskThoughTheWorkersKeepUp() throws Exception {
        RoundTripTransport transport = transport();
        // the workers have taken every message sent so far: no backlog, which would keep a local queue unbatched
        TaskDispatcher dispatcher = new TaskDispatcher(transport, new FrameEncoder(new SpillFiles(this.tmp, 1 << 20)),
                DispatcherSettings.of(1).withBatching(DispatcherSettings.Batching.on(Duration.ofSeconds(600),
                        () -> transport.memory.sent().size())), new TaskReplies());
        this.closeables.add(dispatcher::close);
        transport.shut();
        dispatcher.dispatch(text("first"));
        for (int i = 0; i < 10; i++) {
            dispatcher.dispatch(text("next " + i));
        }
        byte[] large = new byte[TaskFrame.SPILL_THRESHOLD / 2];
        CompletableFuture<Integer> alone = CompletableFuture.supplyAsync(() -> dispatcher.dispatch(OutgoingTask.of(0,
                large)));
        transport.open();
        alone.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(idsPerMessage(transport)).as("a task too large for a batch goes after the batches, alone")
            .containsExactly(List.of(1), List.of(2, 3, 4, 5, 6, 7, 8, 9, 10, 11), List.of(12));
    }

    /**
     * A transport in memory whose asynchronous sends can be held, as round trips to a server that has not answered
     * yet, or made to fail, as with a server that went away. Held sends arrive, in order, when it opens.
     */
    static final class RoundTripTransport implements TaskTransport {

        final InMemoryTransport memory = InMemoryTransport.preemptive(1);

        /** The names of the threads that started sends. */
        final List<String> senders = new CopyOnWriteArrayList<>();

        volatile boolean failing;

        private final List<HeldSend> held = new ArrayList<>();

        private boolean shut;

        private record HeldSend(byte[] frame, Consumer<@Nullable RuntimeException> done) {
        }

        synchronized void shut() {
            this.shut = true;
        }

        synchronized int underWay() {
            return this.held.size();
        }

        void open() {
            List<HeldSend> due;
            synchronized (this) {
                this.shut = false;
                due = List.copyOf(this.held);
                this.held.clear();
            }
            for (HeldSend send : due) {
                this.memory.send(bufferOf(send.frame()), send.frame().length, ANY_WORKER, false);
                send.done().accept(null);
            }
        }

        private static FrameBuffer bufferOf(byte[] frame) {
            FrameBuffer buffer = FrameBuffer.allocate(frame.length);
            buffer.frame().put(0, frame);
            return buffer;
        }

        @Override
        public boolean sendAsync(FrameBuffer buffer, int length, int workerId,
                Consumer<@Nullable RuntimeException> done) {
            this.senders.add(Thread.currentThread().getName());
            if (this.failing) {
                done.accept(new IllegalStateException("the server is away"));
                return true;
            }
            byte[] frame = new byte[length];
            buffer.frame().get(0, frame);
            synchronized (this) {
                if (this.shut) {
                    this.held.add(new HeldSend(frame, done));
                    return true;
                }
            }
            this.memory.send(bufferOf(frame), length, workerId, false);
            done.accept(null);
            return true;
        }

        @Override
        public boolean send(FrameBuffer buffer, int length, int workerId, boolean wait) {
            if (this.failing) {
                throw new IllegalStateException("the server is away");
            }
            return this.memory.send(buffer, length, workerId, wait);
        }

        @Override
        public boolean sendWaitsForRoundTrip() {
            return true;
        }

        @Override
        public IpcMode mode() {
            return this.memory.mode();
        }

        @Override
        public TaskReceiver receiver(int workerId) {
            return this.memory.receiver(workerId);
        }

        @Override
        public void wake(int workerId) {
            this.memory.wake(workerId);
        }

        @Override
        public QueueStatus status() {
            return this.memory.status();
        }

        @Override
        public long purge(DroppedFrames dropped) {
            return this.memory.purge(dropped);
        }

        @Override
        public void close() {
            this.memory.close();
        }
    }
}
