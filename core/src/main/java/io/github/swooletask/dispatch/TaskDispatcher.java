package io.github.swooletask.dispatch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.wire.WireFormat;

/**
 * Puts tasks on a transport: gives each an id ({@link TaskIds}), picks its worker in mode 2
 * ({@link WorkerTargeting}), batches small ones while the queue has a backlog ({@link BacklogEstimate},
 * {@link TaskBatcher}) or, where a send waits for a network round trip, always ({@link GroupCommitBatcher}),
 * applies the {@link FullQueuePolicy} ({@link FullQueueWaiter}), and hands out futures for results when the
 * workers share this JVM. Every frame carries the {@link TaskReplies#tag()} in its from id, so
 * workers can tell this process's tasks from other producers'. Thread-safe; each dispatching thread reuses its own
 * native buffer.
 */
public final class TaskDispatcher {

    /** How long {@link #close()} waits for room to send open batches (the workers may have stopped by then). */
    private static final long CLOSE_FLUSH_NANOS = 5_000_000_000L;

    /** Least time between two checks of the queue's real depth by the backlog estimate. */
    private static final long BACKLOG_CHECK_NANOS = 10_000_000L;

    private final TaskTransport transport;

    private final FrameEncoder encoder;

    private final TaskReplies replies;

    private final TaskIds taskIds = new TaskIds();

    private final WorkerTargeting targeting;

    private final FullQueueWaiter fullQueue;

    private final DispatchStatistics statistics = new DispatchStatistics();

    private final SentMessages sentMessages = new SentMessages();

    private final DispatcherSettings.Batching batching;

    private final BacklogEstimate backlog;

    private final @Nullable Batcher batcher;

    private final WireFormat format;

    /** Whether frames carry every payload inline (a transport whose frames may be large), never in a spill file. */
    private final boolean inline;

    private final int maxInlineData;

    private final LongSupplier depth;

    private volatile boolean closing;

    /**
     * A fixed set of send buffers, picked by thread id, each with its own lock: threads that come and go (pools,
     * virtual threads) leave no native buffer behind, and a wait for room never pins a virtual thread's carrier.
     */
    private final SendBuffer[] sendBuffers = SendBuffer.newSet(Math.max(2, 2 * Runtime.getRuntime()
        .availableProcessors()));

    /**
     * @param transport where tasks go
     * @param encoder frame encoder
     * @param settings worker count, full-queue policy, worker selection and batching
     * @param replies futures of {@link #call}, completed by the worker pool that shares them
     */
    public TaskDispatcher(TaskTransport transport, FrameEncoder encoder, DispatcherSettings settings,
            TaskReplies replies) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.replies = Objects.requireNonNull(replies, "replies");
        this.targeting = new WorkerTargeting(transport.mode(), settings.workerCount(), settings.workerSelector());
        this.fullQueue = new FullQueueWaiter(transport, settings.fullQueuePolicy(), settings.dispatchTimeout(),
                () -> this.closing);
        this.batching = settings.batching();
        this.format = settings.wireFormat();
        this.inline = transport.maxFrameSize() > TaskTransport.MESSAGE_SIZE;
        this.maxInlineData = transport.maxFrameSize() - DataHead.HEADER_SIZE;
        this.depth = () -> this.transport.status().depth();
        this.batcher = settings.batches() ? batcher(transport, this.targeting.streams(), this.batching.linger(),
                this.statistics, this.sentMessages) : null;
        this.backlog = new BacklogEstimate(BacklogEstimate.thresholdFor(settings.workerCount()),
                BacklogEstimate.byteThresholdFor((this.batcher != null) ? this.batcher.capacity() : Long.MAX_VALUE),
                BACKLOG_CHECK_NANOS);
    }

    /** Group commit where a send waits for a round trip, else batches while the queue has a backlog. */
    private static Batcher batcher(TaskTransport transport, int targets, Duration linger,
            DispatchStatistics statistics, SentMessages sentMessages) {
        return transport.sendWaitsForRoundTrip() ? new GroupCommitBatcher(transport, targets, statistics, sentMessages)
                : new TaskBatcher(transport, targets, linger.toNanos(), statistics, sentMessages);
    }

    public DispatchStatistics statistics() {
        return this.statistics;
    }

    public IpcMode mode() {
        return this.transport.mode();
    }

    /**
     * Queues a task and returns its id.
     * @throws QueueFullException when the queue stays full
     * @throws IllegalArgumentException when the task's target does not exist or cannot be honoured in this mode
     */
    public int dispatch(OutgoingTask task) {
        int taskId = this.taskIds.next();
        send(task, taskId, TaskFlags.NONBLOCK);
        return taskId;
    }

    /**
     * Queues a task whose result comes back through the returned future, which fails with a
     * {@link java.util.concurrent.TimeoutException} after {@code timeout}. Only workers in this JVM complete it.
     */
    public CompletableFuture<Object> call(OutgoingTask task, Duration timeout) {
        int taskId = this.taskIds.next();
        CompletableFuture<Object> future = this.replies.register(taskId, timeout.toNanos());
        sendAwaitingReply(task, taskId);
        return future;
    }

    /** Sends a task whose future is registered; a send that fails fails the future too. */
    private void sendAwaitingReply(OutgoingTask task, int taskId) {
        try {
            send(task, taskId, TaskFlags.REPLY);
        }
        catch (RuntimeException ex) {
            this.replies.cancel(taskId, ex);
            throw ex;
        }
    }

    /**
     * A task with its id (and, with a {@code replyTimeout}, its result future, whose timeout runs from now) that is
     * sent only by {@link PreparedTask#send()}: for a caller that must return the id before the task may go out.
     * @param replyTimeout null for a task nobody waits for
     */
    public PreparedTask prepare(OutgoingTask task, @Nullable Duration replyTimeout) {
        // what would refuse the task at its send is refused now, while the caller can still hear of it
        if (task.target() >= 0) {
            this.targeting.target(task.target());
        }
        if (this.format.isDataHead()) {
            forDataHead(task);
        }
        int dataLength = FrameEncoder.dataLength(task);
        if (this.inline && dataLength > this.maxInlineData) {
            throw tooLarge(dataLength);
        }
        int taskId = this.taskIds.next();
        CompletableFuture<Object> future = (replyTimeout != null)
                ? this.replies.register(taskId, replyTimeout.toNanos()) : null;
        return new PreparedTask(this, task, taskId, future);
    }

    void sendPrepared(PreparedTask prepared) {
        if (prepared.result() == null) {
            send(prepared.task(), prepared.taskId(), TaskFlags.NONBLOCK);
        }
        else {
            sendAwaitingReply(prepared.task(), prepared.taskId());
        }
    }

    void discardPrepared(PreparedTask prepared, Throwable why) {
        if (prepared.result() != null) {
            this.replies.cancel(prepared.taskId(), why);
        }
    }

    private void send(OutgoingTask task, int taskId, int deliveryFlags) {
        int target = this.targeting.target(task.target());
        if (this.format.isDataHead()) {
            task = forDataHead(task);
            deliveryFlags |= TaskFlags.NOREPLY;
        }
        int fromId = this.replies.tag();
        Batcher batcher = this.batcher;
        if (batcher != null && !this.closing) {
            int stream = this.targeting.stream(target);
            long timeout = this.fullQueue.timeoutNanos();
            if (batcher.accepts(task.inlineSize())
                    && (batcher.batchesAlways() || hasBacklog(batcher.isOpen(stream)))) {
                if (!batcher.append(stream, target, task, taskId, fromId, deliveryFlags, timeout)) {
                    this.statistics.full();
                    throw this.fullQueue.full();
                }
                return;
            }
            if (!batcher.flush(stream, timeout)) {
                this.statistics.full();
                throw this.fullQueue.full();
            }
        }
        SendBuffer slot = this.sendBuffers[(int) (Thread.currentThread().getId() % this.sendBuffers.length)];
        slot.lock.lock();
        try {
            sendAlone(slot.buffer, task, taskId, fromId, deliveryFlags, target);
        }
        finally {
            slot.lock.unlock();
        }
    }

    private void sendAlone(FrameBuffer buffer, OutgoingTask task, int taskId, int fromId, int deliveryFlags,
            int target) {
        int length;
        try {
            length = this.inline ? encodeInline(buffer, task, taskId, fromId, deliveryFlags)
                    : this.encoder.encode(buffer.frame(), this.format, task, taskId, fromId, deliveryFlags);
        }
        catch (RuntimeException ex) {
            this.statistics.error();
            throw ex;
        }
        try {
            if (!this.transport.send(buffer, length, target, false)) {
                this.fullQueue.sendOrFail(buffer, length, target);
            }
        }
        catch (QueueFullException ex) {
            this.statistics.full();
            this.encoder.discardSpill(buffer.frame(), this.format);
            throw ex;
        }
        catch (RuntimeException ex) {
            this.statistics.error();
            this.encoder.discardSpill(buffer.frame(), this.format);
            throw ex;
        }
        this.sentMessages.sent(length);
        this.statistics.queued(1);
    }

    /** One send buffer and the lock of the thread using it. */
    private static final class SendBuffer {

        final ReentrantLock lock = new ReentrantLock();

        final FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);

        static SendBuffer[] newSet(int n) {
            SendBuffer[] set = new SendBuffer[n];
            for (int i = 0; i < n; i++) {
                set[i] = new SendBuffer();
            }
            return set;
        }
    }

    private int encodeInline(FrameBuffer buffer, OutgoingTask task, int taskId, int fromId, int deliveryFlags) {
        int dataLength = FrameEncoder.dataLength(task);
        if (dataLength > this.maxInlineData) {
            throw tooLarge(dataLength);
        }
        buffer.ensureCapacity(DataHead.HEADER_SIZE + dataLength);
        return FrameEncoder.encodeInline(buffer.frame(), this.format, task, taskId, fromId, deliveryFlags);
    }

    private IllegalArgumentException tooLarge(int dataLength) {
        return new IllegalArgumentException("payload of " + dataLength + " bytes is over the limit of "
                + this.maxInlineData + " bytes this transport carries (the largest payload accepted)");
    }

    /**
     * A task as Swoole's PHP task workers can read it: without trace context (a prefix they would take for payload)
     * and never with a name, which they cannot route.
     */
    private OutgoingTask forDataHead(OutgoingTask task) {
        if (task.name() != null) {
            throw new IllegalArgumentException("task name '" + task.name() + "' cannot travel in wire format "
                    + this.format.label() + ": Swoole's PHP task workers read no task names. Dispatch without a name"
                    + " (the default handler takes it), or write the 12-byte layout (swoole-1.7)");
        }
        return (task.trace() != null) ? task.withTrace(null) : task;
    }

    /** The layout this dispatcher writes. */
    public WireFormat wireFormat() {
        return this.format;
    }

    /**
     * Whether the queue has a backlog. A task for an open batch compares the estimate only; the clock and the
     * write-off check of lost messages come with the task that would open a batch (once per batch, not per task).
     */
    private boolean hasBacklog(boolean batchOpen) {
        long sent = this.sentMessages.count();
        long received = this.batching.receivedMessages().getAsLong();
        int lastBytes = this.sentMessages.lastBytes();
        return batchOpen ? this.backlog.exceedsThreshold(sent, received, lastBytes)
                : this.backlog.hasBacklog(sent, received, lastBytes, System::nanoTime, this.depth);
    }

    /** Sends every open batch now (for example before the workers stop). */
    public void flush() {
        if (this.batcher != null) {
            this.batcher.flushAll(this.fullQueue.timeoutNanos());
        }
    }

    /**
     * Ends dispatching: dispatches waiting for room in a full queue give up at once (QueueFullException), open
     * batches are sent, and the batch flusher stops.
     */
    public void close() {
        this.closing = true;
        if (this.batcher != null) {
            this.batcher.close(CLOSE_FLUSH_NANOS);
        }
    }

    /** Whether the open batch of {@code slot} waits to go out before it takes another task (for tests). */
    boolean batchWaitsForRoom(int slot) {
        return this.batcher != null && this.batcher.waitsForRoom(slot);
    }

    /** Whether small tasks are batched while the queue has a backlog. */
    public boolean isBatching() {
        return this.batcher != null;
    }
}
