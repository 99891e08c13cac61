package io.github.swooletask.dispatch;

import java.util.concurrent.locks.LockSupport;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskFrame;

/**
 * Packs small tasks several to a message ({@link io.github.swooletask.wire.TaskFlags#BATCH}), one open batch per
 * target (per worker in mode 2, one otherwise), with a thread of its own. {@link TaskBatcher} batches while a
 * host-local queue has a backlog; {@link GroupCommitBatcher} always, for a transport whose send waits for a round
 * trip. Both size batches alike and close alike (here). A task accepted into a batch is never dropped silently.
 * Thread-safe.
 */
abstract class Batcher {

    final TaskTransport transport;

    final DispatchStatistics statistics;

    final SentMessages sentMessages;

    /** The transport's capacity in bytes, read once ({@link Long#MAX_VALUE} when unknown). */
    private final long capacity;

    /** Largest batch message: below the spill threshold and at most half the queue's capacity, so it always fits. */
    final int maxBatch;

    /**
     * Largest frame that joins a batch: four fit in one. Larger ones travel alone (2 KiB frames in batches of three
     * were slower than alone: their copies, not the calls, are the cost).
     */
    private final int maxItem;

    /** Set first on close: producers waiting for room give up, so the final flush gets the batches. */
    private volatile boolean closing;

    volatile boolean closed;

    private volatile @Nullable Thread finalFlusher;

    private @Nullable Thread thread;

    Batcher(TaskTransport transport, DispatchStatistics statistics, SentMessages sentMessages) {
        this.transport = transport;
        this.statistics = statistics;
        this.sentMessages = sentMessages;
        this.capacity = capacityOf(transport);
        this.maxBatch = batchLimit(this.capacity);
        this.maxItem = (this.maxBatch - TaskFrame.HEADER_SIZE) / 4;
    }

    /**
     * A batch larger than the queue's capacity ({@code msg_qbytes}) could never be queued: it would stay open until
     * shutdown and its tasks be lost. Batches are kept to half the capacity (and below the spill threshold).
     */
    static int batchLimit(TaskTransport transport) {
        return batchLimit(capacityOf(transport));
    }

    private static int batchLimit(long capacity) {
        return (int) Math.max(TaskFrame.HEADER_SIZE, Math.min(TaskFrame.SPILL_THRESHOLD - 1, capacity / 2));
    }

    /** The transport's capacity in bytes ({@code msg_qbytes}), {@link Long#MAX_VALUE} when it has none or won't say. */
    static long capacityOf(TaskTransport transport) {
        long capacity;
        try {
            capacity = transport.status().capacity();
        }
        catch (RuntimeException ex) {
            capacity = Long.MAX_VALUE;
        }
        return (capacity > 0) ? capacity : Long.MAX_VALUE;
    }

    /** Starts the batcher's own thread (once, at the end of the subclass's constructor). */
    final void startThread(Runnable loop, String name) {
        Thread started = new Thread(loop, name);
        started.setDaemon(true);
        this.thread = started;
        started.start();
    }

    /** Unparks the batcher's thread. */
    final void wakeThread() {
        LockSupport.unpark(this.thread);
    }

    /** Whether a frame of {@code size} bytes may join a batch (four such fit in one). */
    final boolean accepts(int size) {
        return size <= this.maxItem;
    }

    /** The largest frame that joins a batch. */
    final int maxItem() {
        return this.maxItem;
    }

    /** The transport's capacity in bytes as read when this batcher was made, {@link Long#MAX_VALUE} when unknown. */
    final long capacity() {
        return this.capacity;
    }

    /** Whether a wait for room gives up: the batcher closes, and this is not its final flush. */
    final boolean givesUp() {
        return this.closing && Thread.currentThread() != this.finalFlusher;
    }

    /**
     * Sends every batch, waiting up to {@code timeoutNanos} for room (producers still waiting give up at once), and
     * stops the batcher's thread.
     */
    final void close(long timeoutNanos) {
        this.finalFlusher = Thread.currentThread();
        this.closing = true;
        flushAll(timeoutNanos);
        this.closed = true;
        wakeThread();
    }

    /**
     * Whether every task it accepts is batched, whatever the backlog (the dispatcher asks its backlog estimate
     * otherwise).
     */
    abstract boolean batchesAlways();

    /**
     * Adds a task to the open batch of {@code slot}, first sending what must go before it when it does not fit.
     * @param target the worker of the task (the batch's), or {@link OutgoingTask#ANY_WORKER}
     * @param deliveryFlags flags the dispatcher adds to the task's own
     * @param timeoutNanos how long to wait for room if a batch must go out first
     * @return false if that batch could not be sent in time (the task was not added)
     */
    abstract boolean append(int slot, int target, OutgoingTask task, int taskId, int fromId, int deliveryFlags,
            long timeoutNanos);

    /** Sends what {@code slot} holds before a task travels alone (keeps a producer's order); false if not in time. */
    abstract boolean flush(int slot, long timeoutNanos);

    /** Sends every batch, waiting up to {@code timeoutNanos} for room. */
    abstract void flushAll(long timeoutNanos);

    /** Whether {@code slot} has an open batch (a hint, read without its lock). */
    abstract boolean isOpen(int slot);

    /** Whether the batch of {@code slot} could not be sent and must go out before it takes more tasks. */
    abstract boolean waitsForRoom(int slot);
}
