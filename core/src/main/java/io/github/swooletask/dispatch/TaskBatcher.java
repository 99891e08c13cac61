package io.github.swooletask.dispatch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.concurrent.IdleStrategy;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskFrame;

/**
 * Packs small tasks into batch messages ({@link io.github.swooletask.wire.TaskFlags#BATCH}) while the queue has a
 * backlog, so one {@code msgsnd}/{@code msgrcv} pair carries many tasks. One open batch per target (per worker in
 * mode 2, one otherwise). A batch goes out when it is full, when its producer next sends directly, or after the
 * linger time, sent by a flusher thread. A batch that finds the queue full stays whole and is retried: a task
 * accepted into a batch is never dropped. Once the flusher found the queue full, the next task for that batch is
 * not accepted until the batch went out (waiting, or failing, by the full-queue policy): only tasks accepted before
 * the queue was seen full, within one linger, are held in memory.
 * <p>
 * Over a transport whose send waits for a network round trip ({@link TaskTransport#sendWaitsForRoundTrip()}) the
 * batcher commits in groups instead: every small task joins the open batch, and the flusher sends it as soon as the
 * send before it came back, without a linger, while the next tasks gather in a second buffer. A producer waits for
 * a round trip only when the open batch is full or the last send failed (then it sends what waits itself, by the
 * full-queue policy, and a failure reaches it); at most two batches per target are held in memory. Thread-safe.
 */
final class TaskBatcher {

    private static final Logger logger = LoggerFactory.getLogger(TaskBatcher.class);

    /** How long the flusher waits before it tries again a group-committed batch that could not be sent. */
    private static final long FAILED_SEND_PAUSE_NANOS = 100_000_000L;

    private final TaskTransport transport;

    private final Batch[] batches;

    private final long lingerNanos;

    private final IdleStrategy linger;

    private final DispatchStatistics statistics;

    private final AtomicInteger open = new AtomicInteger();

    private final Thread flusher;

    /** Whether batches are committed in groups: sent as soon as the send before them came back. */
    private final boolean groupCommit;

    /** Set by the flusher while group-committed sends fail: it warns once per such spell. */
    private boolean failing;

    private volatile boolean closed;

    /** Set first on close: producers waiting for room give up, so the final flush gets the batches. */
    private volatile boolean closing;

    private volatile Thread finalFlusher;

    private final SentMessages sentMessages;

    /** The queue's capacity in bytes, read once ({@link Long#MAX_VALUE} when unknown). */
    private final long capacity;

    /** Largest batch message: below the spill threshold and at most half the queue's capacity, so it always fits. */
    private final int maxBatch;

    /**
     * Largest frame that joins a batch: four fit in one. Larger ones travel alone (2 KiB frames in batches of three
     * were slower than alone: their copies, not the calls, are the cost).
     */
    private final int maxItem;

    TaskBatcher(TaskTransport transport, int targets, long lingerNanos, DispatchStatistics statistics,
            SentMessages sentMessages) {
        this.transport = transport;
        this.sentMessages = sentMessages;
        this.lingerNanos = lingerNanos;
        this.linger = BackoffIdleStrategy.parking(Duration.ofNanos(Math.max(1, lingerNanos)));
        this.statistics = statistics;
        this.capacity = capacityOf(transport);
        this.maxBatch = batchLimit(this.capacity);
        this.maxItem = (this.maxBatch - TaskFrame.HEADER_SIZE) / 4;
        this.groupCommit = transport.sendWaitsForRoundTrip();
        this.batches = new Batch[targets];
        for (int i = 0; i < targets; i++) {
            this.batches[i] = new Batch();
        }
        this.flusher = new Thread(this.groupCommit ? this::commitLoop : this::flushLoop,
                "swoole-task-batch-flusher");
        this.flusher.setDaemon(true);
        this.flusher.start();
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

    /** Whether a frame of {@code size} bytes may join a batch (four such fit in one). */
    boolean accepts(int size) {
        return size <= this.maxItem;
    }

    /** The queue's capacity in bytes as read when this batcher was made, {@link Long#MAX_VALUE} when unknown. */
    long capacity() {
        return this.capacity;
    }

    /**
     * Whether batches are committed in groups (the transport's send waits for a round trip): every small task is
     * batched, whatever the backlog.
     */
    boolean groupCommits() {
        return this.groupCommit;
    }

    /** The largest frame that joins a batch. */
    int maxItem() {
        return this.maxItem;
    }

    /**
     * Adds a task to the open batch of {@code slot}, first sending that batch if the task does not fit.
     * @param target the worker of the task (the batch's), or {@link OutgoingTask#ANY_WORKER}
     * @param deliveryFlags flags the dispatcher adds to the task's own
     * @param timeoutNanos how long to wait for room if the full batch must go out first
     * @return false if a full batch could not be sent in time (the task was not added)
     */
    boolean append(int slot, int target, OutgoingTask task, int taskId, int fromId, int deliveryFlags,
            long timeoutNanos) {
        Batch batch = this.batches[slot];
        if (this.groupCommit) {
            return commitAppend(batch, target, task, taskId, fromId, deliveryFlags, timeoutNanos);
        }
        int size = task.inlineSize();
        batch.lock.lock();
        try {
            // a batch the flusher could not send (the queue was full) goes out first, under the full-queue policy:
            // a task is accepted only into a batch that can still go out within the linger
            if ((batch.stale || batch.used + size > this.maxBatch) && !batch.send(timeoutNanos, true)) {
                return false;
            }
            batch.add(target, task, taskId, fromId, deliveryFlags);
        }
        finally {
            batch.lock.unlock();
        }
        return true;
    }

    /**
     * {@link #append} when committing in groups: a task that fits joins the open batch at once, even while a send
     * is under way; otherwise the batch waiting to go out (if any) and then the full open batch are sent first, in
     * this order, by this thread and under the full-queue policy, until the task fits.
     */
    private boolean commitAppend(Batch batch, int target, OutgoingTask task, int taskId, int fromId,
            int deliveryFlags, long timeoutNanos) {
        int size = task.inlineSize();
        batch.lock.lock();
        try {
            if (!batch.stale && batch.used + size <= this.maxBatch) {
                batch.add(target, task, taskId, fromId, deliveryFlags);
                return true;
            }
        }
        finally {
            batch.lock.unlock();
        }
        batch.sendLock.lock();
        try {
            while (true) {
                if (batch.sealed && !batch.sendSealed(timeoutNanos, true)) {
                    return false;
                }
                batch.lock.lock();
                try {
                    if (batch.used + size <= this.maxBatch) {
                        batch.add(target, task, taskId, fromId, deliveryFlags);
                        return true;
                    }
                    // sent without holding the open batch, which other producers go on filling meanwhile
                    batch.seal();
                }
                finally {
                    batch.lock.unlock();
                }
            }
        }
        finally {
            batch.sendLock.unlock();
        }
    }

    /**
     * Sends, when committing in groups, the batch of {@code slot} waiting to go out (if any), then the open one (if
     * any), in this order.
     * @param wait whether to wait for room by the full-queue policy (else: try once)
     * @return whether nothing is left to send
     */
    private boolean commit(Batch batch, long timeoutNanos, boolean wait) {
        batch.sendLock.lock();
        try {
            if (batch.sealed && !batch.sendSealed(timeoutNanos, wait)) {
                return false;
            }
            batch.lock.lock();
            try {
                if (batch.count == 0) {
                    return true;
                }
                batch.seal();
            }
            finally {
                batch.lock.unlock();
            }
            return batch.sendSealed(timeoutNanos, wait);
        }
        finally {
            batch.sendLock.unlock();
        }
    }

    /** Sends the open batch of {@code slot}, if any, before a task travels alone (keeps a producer's order). */
    boolean flush(int slot, long timeoutNanos) {
        Batch batch = this.batches[slot];
        if (this.groupCommit) {
            return (batch.count == 0 && !batch.sealed) || commit(batch, timeoutNanos, true);
        }
        if (batch.count == 0) {
            return true;
        }
        batch.lock.lock();
        try {
            return batch.count == 0 || batch.send(timeoutNanos, true);
        }
        finally {
            batch.lock.unlock();
        }
    }

    /** Whether {@code slot} has an open batch (a hint: read without its lock). */
    boolean isOpen(int slot) {
        return this.batches[slot].count > 0;
    }

    /** Whether the batch of {@code slot} found the queue full and must go out before it takes more. */
    boolean waitsForRoom(int slot) {
        return this.batches[slot].stale;
    }

    private void flushLoop() {
        while (!this.closed) {
            if (this.open.get() == 0) {
                LockSupport.park(this);
                continue;
            }
            this.linger.idle(0);
            long now = System.nanoTime();
            for (Batch batch : this.batches) {
                if (batch.count > 0 && now - batch.openedNanos >= this.lingerNanos) {
                    batch.lock.lock();
                    try {
                        if (batch.count > 0 && !batch.send(0, false)) {
                            batch.stale = true;
                        }
                    }
                    catch (RuntimeException ex) {
                        // the batch stays whole; the next send or the final flush tries again
                        batch.stale = true;
                        logger.warn("Could not send a batch of {} task(s), will try again: {}", batch.count,
                                ex.getMessage());
                    }
                    finally {
                        batch.lock.unlock();
                    }
                }
            }
        }
    }

    /**
     * The flusher when committing in groups: sends each batch as soon as it holds a task and the send before it came
     * back; after a failed send it pauses, and warns once until a send succeeds again.
     */
    private void commitLoop() {
        while (!this.closed) {
            if (this.open.get() == 0 && !anySealed()) {
                LockSupport.park(this);
                continue;
            }
            boolean failed = false;
            boolean threw = false;
            for (Batch batch : this.batches) {
                if (batch.count > 0 || batch.sealed) {
                    try {
                        failed |= !commit(batch, 0, false);
                    }
                    catch (RuntimeException ex) {
                        failed = true;
                        threw = true;
                        if (!this.failing) {
                            logger.warn("Could not send a batch of {} task(s), will try again every {} ms while"
                                    + " it fails: {}", batch.sealedCount, FAILED_SEND_PAUSE_NANOS / 1_000_000,
                                    ex.getMessage());
                        }
                    }
                }
            }
            this.failing |= threw;
            if (failed) {
                LockSupport.parkNanos(this, FAILED_SEND_PAUSE_NANOS);
            }
            else if (this.failing) {
                this.failing = false;
                logger.info("Batches are sent again");
            }
        }
    }

    private boolean anySealed() {
        for (Batch batch : this.batches) {
            if (batch.sealed) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sends every open batch, waiting up to {@code timeoutNanos} for room (producers still waiting give up at once),
     * and stops the flusher.
     */
    void close(long timeoutNanos) {
        this.finalFlusher = Thread.currentThread();
        this.closing = true;
        flushAll(timeoutNanos);
        this.closed = true;
        LockSupport.unpark(this.flusher);
    }

    void flushAll(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        for (Batch batch : this.batches) {
            if (this.groupCommit) {
                if (batch.sealedCount() + batch.count > 0
                        && !commit(batch, Math.max(0, deadline - System.nanoTime()), true)) {
                    int waiting = batch.sealedCount() + batch.count;
                    if (waiting != batch.reported) {
                        batch.reported = waiting;
                        logger.error("{} batched task(s) could not be queued before shutdown: the queue stayed"
                                + " full or the transport failed", waiting);
                    }
                }
                continue;
            }
            batch.lock.lock();
            try {
                if (batch.count > 0 && !batch.send(Math.max(0, deadline - System.nanoTime()), true)
                        && batch.count != batch.reported) {
                    // said once for the same tasks: a stop flushes before the workers stop and again on close
                    batch.reported = batch.count;
                    logger.error("{} batched task(s) could not be queued before shutdown: the queue stayed full",
                            batch.count);
                }
            }
            finally {
                batch.lock.unlock();
            }
        }
    }

    /**
     * One open batch; guarded by its own lock (not a monitor: a dispatch on a virtual thread that waits for room
     * while holding it must not pin its carrier).
     */
    private final class Batch {

        final ReentrantLock lock = new ReentrantLock();

        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);

        int target;

        /** Held while this batch's messages are sent when committing in groups; taken before {@link #lock}. */
        final ReentrantLock sendLock = new ReentrantLock();

        /**
         * When committing in groups: the batch taken out of the open one to be sent (while the next tasks fill the
         * other buffer), or the spare buffer; guarded by {@link #sendLock}.
         */
        @Nullable FrameBuffer sealedBuffer = TaskBatcher.this.groupCommit
                ? FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE) : null;

        /** Whether {@link #sealedBuffer} holds a batch that waits to be sent (it failed, or is being sent). */
        volatile boolean sealed;

        int sealedUsed;

        int sealedCount;

        int sealedTarget;

        /** Offset after the last frame; frames start after the batch header. */
        int used = TaskFrame.HEADER_SIZE;

        volatile int count;

        /**
         * Set when the flusher found the queue full: the next task for this batch waits for it to go out (or fails)
         * instead of joining it, so that tasks do not pile up in memory while the queue is full.
         */
        volatile boolean stale;

        /** How many of its tasks were last reported as not queued at a shutdown flush. */
        int reported;

        long openedNanos;

        /** Adds a task to this open batch (holding {@link #lock}, the task fits). */
        void add(int target, OutgoingTask task, int taskId, int fromId, int deliveryFlags) {
            TaskBatcher batcher = TaskBatcher.this;
            this.target = target;
            this.used = FrameEncoder.appendToBatch(this.buffer.frame(), this.used, task, taskId, fromId,
                    deliveryFlags);
            if (this.count == 0 && !batcher.groupCommit) {
                this.openedNanos = System.nanoTime();
            }
            if (this.count++ == 0 && batcher.open.getAndIncrement() == 0) {
                LockSupport.unpark(batcher.flusher);
            }
        }

        /**
         * Takes the open batch out to be sent, leaving an empty one in the other buffer (holding {@link #sendLock}
         * and {@link #lock}, nothing sealed, the batch not empty).
         */
        void seal() {
            FrameBuffer full = this.buffer;
            this.buffer = Objects.requireNonNull(this.sealedBuffer, "a batch is sealed only when committing in groups");
            this.sealedBuffer = full;
            this.sealedUsed = this.used;
            this.sealedCount = this.count;
            this.sealedTarget = this.target;
            this.sealed = true;
            this.used = TaskFrame.HEADER_SIZE;
            this.count = 0;
            TaskBatcher.this.open.decrementAndGet();
        }

        /** Tasks in the sealed batch, 0 when none waits. */
        int sealedCount() {
            return this.sealed ? this.sealedCount : 0;
        }

        /**
         * Sends the sealed batch (holding {@link #sendLock}), as {@link #send} does. When it is not sent (no room, or
         * the transport failed) it stays sealed and the open batch takes no more tasks until it went out.
         */
        boolean sendSealed(long timeoutNanos, boolean wait) {
            FrameBuffer frames = Objects.requireNonNull(this.sealedBuffer, "nothing sealed");
            FrameEncoder.putBatchHeader(frames.frame(), this.sealedUsed - TaskFrame.HEADER_SIZE);
            TaskBatcher batcher = TaskBatcher.this;
            boolean sent = false;
            try {
                sent = batcher.transport.send(frames, this.sealedUsed, this.sealedTarget, false);
                if (!sent && wait) {
                    sent = FullQueueWaiter.retry(batcher.transport, frames, this.sealedUsed,
                            this.sealedTarget, timeoutNanos,
                            () -> batcher.closing && Thread.currentThread() != batcher.finalFlusher);
                }
            }
            finally {
                this.stale = !sent;
            }
            if (!sent) {
                return false;
            }
            batcher.sentMessages.sent(this.sealedUsed);
            batcher.statistics.queued(this.sealedCount);
            this.sealed = false;
            this.reported = 0;
            return true;
        }

        /**
         * Sends this batch. With {@code wait}, retries for up to {@code timeoutNanos} from the first failed try (the
         * clock is read only then), giving up when the batcher closes unless this is the final flush; without, tries
         * once.
         * @return whether it was sent (when not, it stays whole for a later try)
         */
        boolean send(long timeoutNanos, boolean wait) {
            FrameEncoder.putBatchHeader(this.buffer.frame(), this.used - TaskFrame.HEADER_SIZE);
            TaskBatcher batcher = TaskBatcher.this;
            boolean sent = batcher.transport.send(this.buffer, this.used, this.target, false);
            if (!sent && wait) {
                sent = FullQueueWaiter.retry(batcher.transport, this.buffer, this.used, this.target, timeoutNanos,
                        () -> batcher.closing && Thread.currentThread() != batcher.finalFlusher);
            }
            if (!sent) {
                return false;
            }
            batcher.sentMessages.sent(this.used);
            batcher.statistics.queued(this.count);
            this.count = 0;
            this.stale = false;
            this.reported = 0;
            this.used = TaskFrame.HEADER_SIZE;
            batcher.open.decrementAndGet();
            return true;
        }
    }
}
