package io.github.swooletask.worker;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.wire.BatchCursor;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

/**
 * One task worker thread, in the shape of an Agrona agent: {@link #doWork()} takes one message from the transport
 * and runs its tasks; {@link #run()} repeats it until the pool stops, parks while the pool is paused, and idles
 * with a backoff while the transport cannot deliver. Owns its buffer, decoder and task holder, so a task that needs
 * no spill file allocates nothing here. Every method but the state getters runs on the worker's own thread.
 */
final class TaskWorker implements Runnable {

    private static final Logger logger = LoggerFactory.getLogger(TaskWorker.class);

    /** After a failed receive: 100 ms, doubling to 5 s. */
    private static final BackoffIdleStrategy RECEIVE_BACKOFF = new BackoffIdleStrategy(0, 0, Duration.ofMillis(100),
            Duration.ofSeconds(5));

    /** What {@link #doWork()} returns once the transport is closed. */
    static final int CLOSED = -1;

    private final TaskWorkerPool pool;

    private final int id;

    private final TaskReceiver receiver;

    private final TaskProcessor processor;

    private final ReplySink replies;

    private final WorkerStatistics statistics;

    private final RejectionLog rejectionLog = new RejectionLog(logger);

    private final FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);

    private final FrameDecoder decoder;

    private final DecodedTask task = new DecodedTask();

    private final Supplier<Map<String, Object>> delivery;

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
        this.decoder = new FrameDecoder(spillFiles, pool.maxFrameSize());
        this.delivery = receiver::delivery;
    }

    int id() {
        return this.id;
    }

    WorkerState state() {
        return this.state;
    }

    void releaseReceiver() {
        try {
            this.receiver.release();
        }
        catch (RuntimeException ex) {
            logger.warn("Could not release the receiver of task worker {}: {}", this.id, ex.getMessage());
        }
    }

    int currentTaskId() {
        return this.currentTaskId;
    }

    @Override
    public void run() {
        int idle = 0;
        try {
            while (!this.pool.stopping) {
                if (this.pool.paused) {
                    this.state = WorkerState.PAUSED;
                    LockSupport.park(this);
                    continue;
                }
                try {
                    if (doWork() == CLOSED) {
                        break;
                    }
                    idle = 0;
                }
                catch (ReceiveFailedException ex) {
                    logger.error("Task worker {} cannot receive, retrying in {} ms: {}", this.id,
                            Duration.ofNanos(RECEIVE_BACKOFF.parkNanos(idle)).toMillis(),
                            ex.getCause().getMessage());
                    RECEIVE_BACKOFF.idle(idle++);
                }
            }
            this.state = WorkerState.STOPPED;
            logger.debug("Task worker {} stopped", this.id);
        }
        catch (Throwable ex) {
            this.state = WorkerState.DIED;
            logger.error("Task worker {} died", this.id, ex);
            this.pool.workerDied(this.id);
            if (ex instanceof Error error) {
                throw error;
            }
        }
    }

    /**
     * Receives one message, runs its tasks and completes it with the transport.
     * @return 1 when a message was taken, 0 when the pool asked for a stop or pause first, {@link #CLOSED}
     * @throws ReceiveFailedException when the transport failed to deliver
     */
    int doWork() {
        this.state = WorkerState.RECEIVING;
        if (this.pool.stopping || this.pool.paused) {
            return 0;
        }
        int length;
        try {
            length = this.receiver.receive(this.buffer);
        }
        catch (RuntimeException ex) {
            throw new ReceiveFailedException(ex);
        }
        if (length == TaskReceiver.CLOSED) {
            return CLOSED;
        }
        this.state = WorkerState.BUSY;
        this.statistics.received();
        String malformed = this.receiver.malformed();
        if (malformed != null) {
            reject(new FrameRejectedException(RejectReason.BAD_FRAME, malformed));
        }
        else {
            handle(length);
        }
        this.receiver.complete();
        return 1;
    }

    private void handle(int length) {
        ByteBuffer frame = this.buffer.frame();
        DecodedTask task = this.task;
        task.arrivedAt(this.id, this.delivery);
        try {
            this.decoder.decode(frame, length, task);
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
        BatchCursor batch = this.decoder.batch(frame);
        while (batch.hasNext()) {
            try {
                batch.next(task);
            }
            catch (FrameRejectedException ex) {
                reject(ex);  // one bad task: the cursor goes on with the frames around it if it can find them
                continue;
            }
            run(task);
        }
    }

    private void run(DecodedTask task) {
        this.currentTaskId = task.taskId();
        int flags = task.flags();
        boolean wantsReply = (flags & (TaskFlags.REPLY | TaskFlags.REPLY_TO)) != 0;
        if (wantsReply) {
            try {
                this.replies.admit(task);
            }
            catch (FrameRejectedException ex) {
                reject(ex);
                return;
            }
        }
        else if (task.format().isDataHead() && (flags & TaskFlags.NOREPLY) == 0) {
            this.pool.noticeSwooleServerTask(task);
        }
        Object result;
        try {
            result = this.processor.process(task);
        }
        catch (FrameRejectedException ex) {
            reject(ex);
            if (wantsReply) {
                this.replies.failed(task, new IllegalArgumentException(ex.getMessage()));
            }
            return;
        }
        catch (Throwable ex) {
            this.statistics.failed();
            logger.error("Task {} failed on task worker {}", task.taskId(), this.id, ex);
            if (wantsReply) {
                this.replies.failed(task, ex);
            }
            if (ex instanceof Error error && !(ex instanceof AssertionError)) {
                throw error;
            }
            return;
        }
        this.statistics.processed();
        this.pool.workerSucceeded(this.id);
        if (wantsReply) {
            this.replies.completed(task, result);
        }
    }

    private void reject(FrameRejectedException ex) {
        this.statistics.rejected(ex.reason());
        this.rejectionLog.log(this.id, ex);
    }

    /** The transport failed to deliver; its cause says why. */
    static final class ReceiveFailedException extends RuntimeException {

        ReceiveFailedException(RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
