package io.github.swooletask.dispatch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

import io.github.swooletask.sysv.MessageBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

/**
 * Puts tasks on a transport: assigns task ids, picks the target worker in mode 2 (idle first), applies the
 * {@link FullQueuePolicy}, and hands out futures for results when the workers share this JVM. Every frame carries the
 * {@link TaskReplies#tag()} in its from id, so workers can tell this process's tasks from other producers'.
 * Thread-safe; each dispatching thread reuses its own native buffer.
 */
public final class TaskDispatcher {

    private final TaskTransport transport;

    private final FrameEncoder encoder;

    private final IntSupplier workerSelector;

    private final int workerCount;

    private final FullQueuePolicy fullQueuePolicy;

    private final long timeoutNanos;

    private final AtomicInteger taskIds = new AtomicInteger();

    private final TaskReplies replies;

    /** How long {@link #close()} waits for room to send open batches (the workers may have stopped by then). */
    private static final long CLOSE_FLUSH_NANOS = 5_000_000_000L;

    private final DispatchStatistics statistics = new DispatchStatistics();

    private final LongSupplier receivedMessages;

    /** Messages sent that will never be received (lost with a removed queue, taken by another consumer). */
    private volatile long backlogOffset;

    private volatile long backlogVerifiedNanos;

    private volatile long receivedAtVerify = -1;

    private volatile boolean closing;

    private final long batchThreshold;

    private final TaskBatcher batcher;

    private final java.util.concurrent.atomic.LongAdder sentMessages = new java.util.concurrent.atomic.LongAdder();

    private final ThreadLocal<MessageBuffer> buffers = ThreadLocal
        .withInitial(() -> MessageBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE));

    /**
     * @param transport where tasks go
     * @param encoder frame encoder
     * @param workerSelector picks a worker for an undirected task in mode 2 (e.g. the pool's idle-first choice), or
     * null for round robin over {@code workerCount}
     * @param workerCount workers reading the queue
     * @param fullQueuePolicy what to do when the queue is full
     * @param timeout how long {@link FullQueuePolicy#BLOCK} waits for room
     * @param replies futures of {@link #call}, completed by the worker pool that shares them
     */
    public TaskDispatcher(TaskTransport transport, FrameEncoder encoder, IntSupplier workerSelector, int workerCount,
            FullQueuePolicy fullQueuePolicy, Duration timeout, TaskReplies replies) {
        this(transport, encoder, workerSelector, workerCount, fullQueuePolicy, timeout, replies, null, Duration.ZERO);
    }

    /**
     * A dispatcher that batches small tasks while the queue has a backlog.
     * @param receivedMessages messages the workers have taken so far (the pool's
     * {@code statistics()::receivedCount}): with the messages this dispatcher sent it tells the backlog; null turns
     * batching off. Batching also stays off with {@link FullQueuePolicy#FAIL}, where a task must fail at once.
     * @param linger longest time an open batch waits for more tasks
     */
    public TaskDispatcher(TaskTransport transport, FrameEncoder encoder, IntSupplier workerSelector, int workerCount,
            FullQueuePolicy fullQueuePolicy, Duration timeout, TaskReplies replies, LongSupplier receivedMessages,
            Duration linger) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.workerCount = workerCount;
        this.workerSelector = (workerSelector != null) ? workerSelector : roundRobin(workerCount);
        this.fullQueuePolicy = fullQueuePolicy;
        this.timeoutNanos = timeout.toNanos();
        this.replies = Objects.requireNonNull(replies, "replies");
        boolean batching = receivedMessages != null && fullQueuePolicy == FullQueuePolicy.BLOCK;
        this.receivedMessages = batching ? receivedMessages : null;
        this.batchThreshold = Math.max(2, 2L * workerCount);
        this.batcher = batching ? new TaskBatcher(transport,
                (transport.mode() == IpcMode.MSGQUEUE) ? workerCount : 1, linger.toNanos(), this.statistics, this.sentMessages) : null;
    }

    private static IntSupplier roundRobin(int n) {
        AtomicInteger next = new AtomicInteger();
        return () -> (next.getAndIncrement() & Integer.MAX_VALUE) % n;
    }

    public DispatchStatistics statistics() {
        return this.statistics;
    }

    public IpcMode mode() {
        return this.transport.mode();
    }

    /**
     * Queues a task and returns its id.
     * @param route route bytes ({@link FrameEncoder#routeBytes}) or null for the default handler
     * @param flags payload flags: {@link TaskFlags#SERIALIZE}, {@link TaskFlags#JSON} or none
     * @param payload the payload bytes
     * @param worker target worker in mode 2, or -1 to let the dispatcher choose
     * @throws QueueFullException when the queue stays full
     */
    public int dispatch(byte[] route, int flags, byte[] payload, int worker) {
        return dispatch(null, route, flags, payload, worker);
    }

    /**
     * Queues a task carrying trace context ({@code name=value} lines, see {@link TaskFlags#TRACED}).
     * @param trace the trace context bytes, or null
     */
    public int dispatch(byte[] trace, byte[] route, int flags, byte[] payload, int worker) {
        int taskId = nextTaskId();
        send(taskId, this.replies.tag(), flags | TaskFlags.NONBLOCK, trace, route, payload, worker);
        return taskId;
    }

    /**
     * Queues a task whose result comes back through the returned future, which fails with a
     * {@link java.util.concurrent.TimeoutException} after {@code timeout}. Only workers in this JVM complete it.
     */
    public CompletableFuture<Object> call(byte[] route, int flags, byte[] payload, int worker, Duration timeout) {
        return call(null, route, flags, payload, worker, timeout);
    }

    /** Like {@link #call(byte[], int, byte[], int, Duration)}, carrying trace context. */
    public CompletableFuture<Object> call(byte[] trace, byte[] route, int flags, byte[] payload, int worker,
            Duration timeout) {
        int taskId = nextTaskId();
        CompletableFuture<Object> future = this.replies.register(taskId, timeout.toNanos());
        try {
            send(taskId, this.replies.tag(), flags | TaskFlags.REPLY, trace, route, payload, worker);
        }
        catch (RuntimeException ex) {
            this.replies.cancel(taskId, ex);
            throw ex;
        }
        return future;
    }

    private int nextTaskId() {
        int id;
        do {
            id = this.taskIds.incrementAndGet() & Integer.MAX_VALUE;
        }
        while (id == 0);
        return id;
    }

    private void send(int taskId, int fromId, int flags, byte[] trace, byte[] route, byte[] payload, int worker) {
        int target = targetWorker(worker);
        int slot = (this.transport.mode() == IpcMode.MSGQUEUE) ? target : 0;
        if (this.batcher != null && !this.closing) {
            long deadline = System.nanoTime() + this.timeoutNanos;
            if (this.batcher.accepts(FrameEncoder.inlineSize(trace, route, payload.length)) && hasBacklog()) {
                if (!this.batcher.append(slot, target, taskId, fromId, flags, trace, route, payload, deadline)) {
                    this.statistics.full();
                    throw new QueueFullException(fullMessage());
                }
                return;
            }
            if (!this.batcher.flush(slot, deadline)) {
                this.statistics.full();
                throw new QueueFullException(fullMessage());
            }
        }
        MessageBuffer buffer = this.buffers.get();
        int length;
        try {
            length = this.encoder.encode(buffer.text(), taskId, fromId, flags, trace, route, payload, 0,
                    payload.length);
        }
        catch (RuntimeException ex) {
            this.statistics.error();
            throw ex;
        }
        try {
            if (!this.transport.send(buffer, length, target, false)) {
                waitForRoom(buffer, length, target);
            }
        }
        catch (QueueFullException ex) {
            this.statistics.full();
            this.encoder.discardSpill(buffer.text());
            throw ex;
        }
        catch (RuntimeException ex) {
            this.statistics.error();
            this.encoder.discardSpill(buffer.text());
            throw ex;
        }
        this.sentMessages.increment();
        this.statistics.queued(1);
    }

    /**
     * Whether the queue holds enough of this dispatcher's messages that a task sent now would wait anyway: the
     * messages sent minus those the workers took. Messages that will never be received (lost with a removed queue)
     * would keep that estimate high for good, so every 10 ms at most a claimed backlog is checked: when the kernel
     * says the queue is empty and the workers took nothing since the last check, the estimate is written off.
     */
    private boolean hasBacklog() {
        long received = this.receivedMessages.getAsLong();
        long estimate = this.sentMessages.sum() - received - this.backlogOffset;
        if (estimate < this.batchThreshold) {
            return false;
        }
        long now = System.nanoTime();
        if (now - this.backlogVerifiedNanos > 10_000_000L) {
            this.backlogVerifiedNanos = now;
            boolean idle = received == this.receivedAtVerify;
            this.receivedAtVerify = received;
            if (idle) {
                try {
                    if (this.transport.status().depth() == 0) {
                        this.backlogOffset += estimate;
                        return false;
                    }
                }
                catch (RuntimeException ex) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Sends every open batch now (for example before the workers stop). */
    public void flush() {
        if (this.batcher != null) {
            this.batcher.flushAll(this.timeoutNanos);
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

    /** Whether small tasks are batched while the queue has a backlog. */
    public boolean isBatching() {
        return this.batcher != null;
    }

    private int targetWorker(int worker) {
        if (this.transport.mode() != IpcMode.MSGQUEUE) {
            if (worker >= 0) {
                throw new IllegalArgumentException("a task can be addressed to one worker only in ipc-mode 2"
                        + " (msgqueue); this is ipc-mode " + this.transport.mode().number());
            }
            return -1;
        }
        if (worker < 0) {
            return this.workerSelector.getAsInt();
        }
        if (worker >= this.workerCount) {
            throw new IllegalArgumentException("worker " + worker + " does not exist: worker ids run from 0 to "
                    + (this.workerCount - 1));
        }
        return worker;
    }

    private void waitForRoom(MessageBuffer buffer, int length, int target) {
        if (this.fullQueuePolicy == FullQueuePolicy.BLOCK) {
            long deadline = System.nanoTime() + this.timeoutNanos;
            int attempt = 0;
            while (System.nanoTime() - deadline < 0 && !this.closing) {
                Backoff.pause(attempt++);
                if (this.transport.send(buffer, length, target, false)) {
                    return;
                }
            }
        }
        throw new QueueFullException(fullMessage());
    }

    private String fullMessage() {
        StringBuilder message = new StringBuilder("task queue is full");
        try {
            QueueStatus status = this.transport.status();
            message.append(": ").append(status.depth()).append(" tasks, ").append(status.bytes()).append(" of ")
                .append(status.capacity()).append(" bytes");
        }
        catch (RuntimeException ex) {
            // the status is a courtesy
        }
        if (this.closing) {
            message.append(", and the dispatcher is closing");
            return message.toString();
        }
        if (this.fullQueuePolicy == FullQueuePolicy.BLOCK) {
            message.append(", and no room came within ").append(this.timeoutNanos / 1_000_000).append(" ms");
        }
        message.append(". The workers are behind: add workers (swoole.task.worker-num) or raise the queue's capacity");
        message.append((this.transport.mode() == IpcMode.UNIX_SOCKET) ? " (swoole.task.socket-buffer-size)"
                : " (swoole.task.message-queue-capacity, or kernel.msgmnb and recreate the queue)");
        message.append((this.fullQueuePolicy == FullQueuePolicy.BLOCK) ? ", or raise swoole.task.dispatch-timeout"
                : ", or wait for room with swoole.task.full-queue-policy=block");
        return message.toString();
    }
}
