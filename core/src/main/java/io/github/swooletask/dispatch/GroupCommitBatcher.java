package io.github.swooletask.dispatch;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskFrame;

/**
 * Batches for a transport whose send waits for a network round trip ({@link TaskTransport#sendWaitsForRoundTrip()},
 * Redis Streams): group commit. Every small task joins its target's open batch. When no send of that target is
 * under way, the dispatching thread starts one at once with {@link TaskTransport#sendAsync} and returns without
 * waiting for the round trip; when a send comes back, the tasks gathered meanwhile go out as the next one, started
 * from the transport's completion. No linger, no backlog needed. A producer waits only when the open batch is full
 * while a send is under way (for that send), or when the last send failed: it then sends that batch itself, under
 * the full-queue policy, and gets the failure. At most two batches per target are in memory, the one under way and
 * the open one. A batch whose send failed stays whole; a retry thread tries it again every 100 ms, warning once per
 * spell of failures. Thread-safe.
 */
final class GroupCommitBatcher extends Batcher {

    private static final Logger logger = LoggerFactory.getLogger(GroupCommitBatcher.class);

    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Slot[] slots;

    /** Whether the retrier's tries fail (read and written by the retrier only). */
    private boolean failing;

    GroupCommitBatcher(TaskTransport transport, int targets, DispatchStatistics statistics,
            SentMessages sentMessages) {
        super(transport, statistics, sentMessages);
        this.slots = new Slot[targets];
        for (int i = 0; i < targets; i++) {
            this.slots[i] = new Slot();
        }
        startThread(this::retryLoop, "swoole-task-batch-retrier");
    }

    @Override
    boolean batchesAlways() {
        return true;
    }

    @Override
    boolean isOpen(int slot) {
        return this.slots[slot].count > 0;
    }

    @Override
    boolean waitsForRoom(int slot) {
        return this.slots[slot].state == Slot.FAILED;
    }

    @Override
    boolean append(int slot, int target, OutgoingTask task, int taskId, int fromId, int deliveryFlags,
            long timeoutNanos) {
        Slot s = this.slots[slot];
        int size = task.inlineSize();
        long deadline = 0;
        boolean timed = false;
        s.lock.lock();
        try {
            while (true) {
                if (s.state == Slot.FAILED) {
                    if (!s.resend(timeoutNanos, true)) {
                        return false;
                    }
                    continue;
                }
                if (s.used + size <= this.maxBatch) {
                    s.add(target, task, taskId, fromId, deliveryFlags);
                    if (s.state == Slot.IDLE) {
                        s.start();
                    }
                    return true;
                }
                if (s.state == Slot.IDLE) {
                    s.start();
                    continue;
                }
                // the open batch is full and the one before it is under way: wait for it
                if (!timed) {
                    deadline = System.nanoTime() + timeoutNanos;
                    timed = true;
                }
                if (!s.awaitChange(deadline)) {
                    return false;
                }
            }
        }
        finally {
            s.lock.unlock();
        }
    }

    @Override
    boolean flush(int slot, long timeoutNanos) {
        return flush(this.slots[slot], timeoutNanos);
    }

    /** Sends what the slot holds: the failed or under-way batch first, then the open one; false if not in time. */
    private boolean flush(Slot s, long timeoutNanos) {
        if (s.count == 0 && s.state == Slot.IDLE) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        s.lock.lock();
        try {
            while (true) {
                if (s.state == Slot.FAILED) {
                    if (!s.resend(Math.max(0, deadline - System.nanoTime()), true)) {
                        return false;
                    }
                }
                else if (s.state == Slot.SENDING) {
                    if (!s.awaitChange(deadline)) {
                        return false;
                    }
                }
                else if (s.count > 0) {
                    s.start();
                }
                else {
                    return true;
                }
            }
        }
        finally {
            s.lock.unlock();
        }
    }

    @Override
    void flushAll(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        for (Slot s : this.slots) {
            if (!flush(s, Math.max(0, deadline - System.nanoTime()))) {
                s.lock.lock();
                try {
                    int waiting = s.waiting();
                    if (waiting > 0 && waiting != s.reported) {
                        // said once for the same tasks: a stop flushes before the workers stop and again on close
                        s.reported = waiting;
                        logger.error("{} batched task(s) could not be queued before shutdown: the transport stayed"
                                + " full or failing", waiting);
                    }
                }
                finally {
                    s.lock.unlock();
                }
            }
        }
    }

    /** Tries failed batches again every 100 ms (once each, without waiting), parked while none failed. */
    private void retryLoop() {
        while (!this.closed) {
            boolean tried = false;
            for (Slot s : this.slots) {
                if (s.state != Slot.FAILED) {
                    continue;
                }
                tried = true;
                s.lock.lock();
                try {
                    if (s.state == Slot.FAILED) {
                        s.resend(0, false);
                    }
                }
                catch (RuntimeException ex) {
                    if (!this.failing) {
                        this.failing = true;
                        logger.warn("Could not send a batch of {} task(s), will try again every {} ms while it"
                                + " fails: {}", s.outCount, TimeUnit.NANOSECONDS.toMillis(RETRY_PAUSE_NANOS),
                                ex.getMessage());
                    }
                }
                finally {
                    s.lock.unlock();
                }
            }
            if (tried) {
                LockSupport.parkNanos(this, RETRY_PAUSE_NANOS);
                continue;
            }
            if (this.failing) {
                this.failing = false;
                logger.info("Batches are sent again");
            }
            LockSupport.park(this);
        }
    }

    /**
     * The batches of one target: the open one, which takes tasks, and the one out for sending, which is under way
     * or failed. Guarded by its lock (not a monitor: a dispatch on a virtual thread that waits must not pin its
     * carrier); the transport's completion takes it too.
     */
    private final class Slot {

        static final int IDLE = 0;

        /** The outgoing batch is under way: its completion is awaited. */
        static final int SENDING = 1;

        /** The outgoing batch was not sent (no room, or the transport failed): it goes out before anything else. */
        static final int FAILED = 2;

        final ReentrantLock lock = new ReentrantLock();

        /** Signalled when the outgoing batch's send ends, well or not. */
        final Condition changed = this.lock.newCondition();

        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);

        /** Offset after the open batch's last frame; frames start after the batch header. */
        int used = TaskFrame.HEADER_SIZE;

        volatile int count;

        int target;

        FrameBuffer outgoing = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);

        int outUsed;

        int outCount;

        int outTarget;

        volatile int state = IDLE;

        /** How many tasks were last reported as not queued at a shutdown flush. */
        int reported;

        void add(int target, OutgoingTask task, int taskId, int fromId, int deliveryFlags) {
            this.target = target;
            this.used = FrameEncoder.appendToBatch(this.buffer.frame(), this.used, task, taskId, fromId,
                    deliveryFlags);
            this.count++;
        }

        int waiting() {
            return this.count + ((this.state == IDLE) ? 0 : this.outCount);
        }

        /** Takes the open batch out and starts its send (holding the lock, idle, the open batch not empty). */
        void start() {
            FrameBuffer full = this.buffer;
            this.buffer = this.outgoing;
            this.outgoing = full;
            this.outUsed = this.used;
            this.outCount = this.count;
            this.outTarget = this.target;
            this.used = TaskFrame.HEADER_SIZE;
            this.count = 0;
            this.state = SENDING;
            FrameEncoder.putBatchHeader(this.outgoing.frame(), this.outUsed - TaskFrame.HEADER_SIZE);
            boolean started;
            try {
                started = GroupCommitBatcher.this.transport.sendAsync(this.outgoing, this.outUsed, this.outTarget,
                        this::completed);
            }
            catch (RuntimeException ex) {
                // the tasks are taken: the next dispatch, or the retrier, sends them and meets the failure
                failed();
                return;
            }
            if (!started) {
                failed();
            }
        }

        /** The outcome of the outgoing batch's send, told by the transport on its thread (or this one). */
        void completed(@Nullable RuntimeException error) {
            this.lock.lock();
            try {
                if (this.state != SENDING) {
                    return;
                }
                if (error != null) {
                    logger.debug("A batch of {} task(s) was not sent: {}", this.outCount, error.getMessage());
                    failed();
                    return;
                }
                sent();
                if (this.count > 0 && !GroupCommitBatcher.this.closed) {
                    start();
                }
            }
            catch (RuntimeException ex) {
                logger.error("Could not start the next batch after a send came back", ex);
            }
            finally {
                this.lock.unlock();
            }
        }

        private void sent() {
            GroupCommitBatcher batcher = GroupCommitBatcher.this;
            batcher.sentMessages.sent(this.outUsed);
            batcher.statistics.queued(this.outCount);
            this.reported = 0;
            this.state = IDLE;
            this.changed.signalAll();
        }

        private void failed() {
            this.state = FAILED;
            this.changed.signalAll();
            wakeThread();
        }

        /**
         * Sends the failed batch again, this thread waiting for the round trip (holding the lock); when sent, the open
         * batch follows asynchronously. With {@code wait}, retries while there is no room, up to {@code timeoutNanos}.
         * @return whether it was sent
         * @throws RuntimeException the transport's failure (the batch stays, failed)
         */
        boolean resend(long timeoutNanos, boolean wait) {
            GroupCommitBatcher batcher = GroupCommitBatcher.this;
            boolean sent = batcher.transport.send(this.outgoing, this.outUsed, this.outTarget, false);
            if (!sent && wait) {
                sent = FullQueueWaiter.retry(batcher.transport, this.outgoing, this.outUsed, this.outTarget,
                        timeoutNanos, batcher::givesUp);
            }
            if (!sent) {
                return false;
            }
            sent();
            if (this.count > 0) {
                start();
            }
            return true;
        }

        /**
         * Waits (holding the lock) until the outgoing batch's send ended or the deadline passed.
         * @return false when the deadline passed, the batcher closes, or the thread was interrupted
         */
        boolean awaitChange(long deadline) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || GroupCommitBatcher.this.givesUp()) {
                return false;
            }
            try {
                this.changed.awaitNanos(Math.min(left, RETRY_PAUSE_NANOS));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return false;
            }
            return true;
        }
    }
}
