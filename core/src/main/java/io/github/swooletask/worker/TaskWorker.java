package io.github.swooletask.worker;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.sysv.MessageBuffer;
import io.github.swooletask.sysv.MessageQueueException;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

/**
 * The loop of one task worker thread: receive into its own buffer, decode, run. Owns its buffer, decoder and task
 * holder, so a task that needs no spill file allocates nothing here.
 */
final class TaskWorker implements Runnable {

    private static final Logger logger = LoggerFactory.getLogger(TaskWorker.class);

    private static final long MAX_BACKOFF_NANOS = 5_000_000_000L;

    private final TaskWorkerPool pool;

    private final int id;

    private final TaskReceiver receiver;

    private final TaskProcessor processor;

    private final ReplySink replies;

    private final WorkerStatistics statistics;

    private final RejectionLog rejectionLog;

    private final MessageBuffer buffer = MessageBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);

    private final FrameDecoder decoder;

    private final DecodedTask task = new DecodedTask();

    private volatile WorkerState state = WorkerState.NEW;

    private volatile int currentTaskId;

    TaskWorker(TaskWorkerPool pool, int id, TaskReceiver receiver, SpillFiles spillFiles, TaskProcessor processor,
            ReplySink replies, WorkerStatistics statistics) {
        this.pool = pool;
        this.id = id;
        this.receiver = receiver;
        this.processor = processor;
        this.replies = replies;
        this.statistics = statistics;
        this.decoder = new FrameDecoder(spillFiles);
        this.rejectionLog = new RejectionLog(logger);
    }

    int id() {
        return this.id;
    }

    WorkerState state() {
        return this.state;
    }

    int currentTaskId() {
        return this.currentTaskId;
    }

    @Override
    public void run() {
        long backoff = 0;
        try {
            while (!this.pool.stopping) {
                if (this.pool.paused) {
                    this.state = WorkerState.PAUSED;
                    LockSupport.park(this);
                    continue;
                }
                this.state = WorkerState.RECEIVING;
                if (this.pool.stopping || this.pool.paused) {
                    continue;
                }
                int length;
                try {
                    length = this.receiver.receive(this.buffer);
                    backoff = 0;
                }
                catch (MessageQueueException ex) {
                    backoff = (backoff == 0) ? 100_000_000L : Math.min(backoff * 2, MAX_BACKOFF_NANOS);
                    logger.error("Task worker {} cannot receive, retrying in {} ms: {}", this.id, backoff / 1_000_000,
                            ex.getMessage());
                    LockSupport.parkNanos(backoff);
                    continue;
                }
                if (length < 0) {
                    break;
                }
                this.state = WorkerState.BUSY;
                this.statistics.received();
                handle(length);
            }
            this.state = WorkerState.STOPPED;
            logger.debug("Task worker {} stopped", this.id);
        }
        catch (Throwable ex) {
            this.state = WorkerState.DIED;
            logger.error("Task worker {} died", this.id, ex);
            if (ex instanceof Error error) {
                throw error;
            }
        }
    }

    private void handle(int length) {
        ByteBuffer text = this.buffer.text();
        DecodedTask task = this.task;
        task.arrivedAt(this.id, this.buffer.mtype());
        try {
            this.decoder.decode(text, 0, length, false, task);
        }
        catch (FrameRejectedException ex) {
            reject(ex);
            return;
        }
        if (task.isWake()) {
            logger.debug("Task worker {} took a wake-up frame", this.id);
            return;
        }
        if (!task.isBatch()) {
            run(task);
            return;
        }
        int end = TaskFrame.HEADER_SIZE + (text.getShort(TaskFrame.OFFSET_LENGTH) & 0xFFFF);
        int offset = TaskFrame.HEADER_SIZE;
        while (offset < end) {
            int next = (end - offset >= TaskFrame.HEADER_SIZE)
                    ? offset + TaskFrame.HEADER_SIZE + (text.getShort(offset + TaskFrame.OFFSET_LENGTH) & 0xFFFF) : end + 1;
            try {
                offset = this.decoder.decodeInBatch(text, offset, end, task);
            }
            catch (FrameRejectedException ex) {
                reject(ex);
                if (next > end) {
                    return;  // the batch's framing is broken: nothing after this frame can be trusted
                }
                offset = next;  // one bad task; the frames around it still run
                continue;
            }
            run(task);
        }
    }

    private void run(DecodedTask task) {
        this.currentTaskId = task.taskId();
        Object result;
        try {
            result = this.processor.process(task);
        }
        catch (FrameRejectedException ex) {
            reject(ex);
            if ((task.flags() & TaskFlags.REPLY) != 0 && this.replies != null) {
                this.replies.failed(task, new IllegalArgumentException(ex.getMessage()));
            }
            return;
        }
        catch (Throwable ex) {
            this.statistics.failed();
            logger.error("Task {} failed on task worker {}", task.taskId(), this.id, ex);
            if ((task.flags() & TaskFlags.REPLY) != 0 && this.replies != null) {
                this.replies.failed(task, ex);
            }
            if (ex instanceof Error error && !(ex instanceof AssertionError)) {
                throw error;
            }
            return;
        }
        this.statistics.processed();
        if ((task.flags() & TaskFlags.REPLY) != 0 && this.replies != null) {
            this.replies.completed(task, result);
        }
    }

    private void reject(FrameRejectedException ex) {
        this.statistics.rejected(ex.reason());
        this.rejectionLog.log(this.id, ex);
    }

    /** Logs each rejected message once, but no more than a burst per second per worker. */
    static final class RejectionLog {

        private static final int BURST = 20;

        private final Logger logger;

        private long windowStart;

        private int inWindow;

        private long suppressed;

        RejectionLog(Logger logger) {
            this.logger = logger;
        }

        void log(int workerId, FrameRejectedException ex) {
            long now = System.nanoTime();
            if (now - this.windowStart > 1_000_000_000L) {
                if (this.suppressed > 0) {
                    this.logger.warn("Task worker {} rejected {} more messages without logging each", workerId,
                            this.suppressed);
                }
                this.windowStart = now;
                this.inWindow = 0;
                this.suppressed = 0;
            }
            if (++this.inWindow <= BURST) {
                this.logger.warn("Task worker {} rejected a message: {}", workerId, ex.getMessage());
            }
            else {
                this.suppressed++;
            }
        }
    }
}
