package io.github.swooletask.dispatch;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

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
 * the queue was seen full, within one linger, are held in memory. Thread-safe.
 */
final class TaskBatcher extends Batcher {

    private static final Logger logger = LoggerFactory.getLogger(TaskBatcher.class);

    private final Batch[] batches;

    private final long lingerNanos;

    private final IdleStrategy linger;

    private final AtomicInteger open = new AtomicInteger();

    TaskBatcher(TaskTransport transport, int targets, long lingerNanos, DispatchStatistics statistics,
            SentMessages sentMessages) {
        super(transport, statistics, sentMessages);
        this.lingerNanos = lingerNanos;
        this.linger = BackoffIdleStrategy.parking(Duration.ofNanos(Math.max(1, lingerNanos)));
        this.batches = new Batch[targets];
        for (int i = 0; i < targets; i++) {
            this.batches[i] = new Batch();
        }
        startThread(this::flushLoop, "swoole-task-batch-flusher");
    }

    /** Only while the queue has a backlog: the dispatcher asks its estimate. */
    @Override
    boolean batchesAlways() {
        return false;
    }

    /**
     * Adds a task to the open batch of {@code slot}, first sending that batch if the task does not fit.
     * @param target the worker of the task (the batch's), or {@link OutgoingTask#ANY_WORKER}
     * @param deliveryFlags flags the dispatcher adds to the task's own
     * @param timeoutNanos how long to wait for room if the full batch must go out first
     * @return false if a full batch could not be sent in time (the task was not added)
     */
    @Override
    boolean append(int slot, int target, OutgoingTask task, int taskId, int fromId, int deliveryFlags,
            long timeoutNanos) {
        Batch batch = this.batches[slot];
        int size = task.inlineSize();
        batch.lock.lock();
        try {
            // a batch the flusher could not send (the queue was full) goes out first, under the full-queue policy:
            // a task is accepted only into a batch that can still go out within the linger
            if ((batch.stale || batch.used + size > this.maxBatch) && !batch.send(timeoutNanos, true)) {
                return false;
            }
            batch.target = target;
            batch.used = FrameEncoder.appendToBatch(batch.buffer.frame(), batch.used, task, taskId, fromId,
                    deliveryFlags);
            if (batch.count == 0) {
                batch.openedNanos = System.nanoTime();
            }
            if (batch.count++ == 0) {
                if (this.open.getAndIncrement() == 0) {
                    wakeThread();
                }
            }
        }
        finally {
            batch.lock.unlock();
        }
        return true;
    }

    /** Sends the open batch of {@code slot}, if any, before a task travels alone (keeps a producer's order). */
    @Override
    boolean flush(int slot, long timeoutNanos) {
        Batch batch = this.batches[slot];
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
    @Override
    boolean isOpen(int slot) {
        return this.batches[slot].count > 0;
    }

    /** Whether the open batch of {@code slot} found the queue full and must go out before it takes more. */
    @Override
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

    @Override
    void flushAll(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        for (Batch batch : this.batches) {
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

        final FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);

        int target;

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
                        batcher::givesUp);
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
