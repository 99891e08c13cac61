package io.github.swooletask.worker;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
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

    private final Supplier<TaskReceiver> receiverSource;

    /** Taken from the transport when the worker first runs: a pool that never starts opens no connection. */
    private @Nullable TaskReceiver receiver;

    private final WorkerStatistics statistics;

    private final TaskRunner runner;

    /** Set while the message being handled has tasks handed to reserved workers: they complete it. */
    private @Nullable MessageCompletion handedOver;

    private final FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);

    private final FrameDecoder decoder;

    private final DecodedTask task = new DecodedTask();

    private final Supplier<Map<String, Object>> delivery = () -> receiver().delivery();

    private volatile WorkerState state = WorkerState.NEW;

    /** When the message being handled was taken; read with a BUSY state. */
    private volatile long busySinceNanos;

    TaskWorker(TaskWorkerPool pool, int id, Supplier<TaskReceiver> receiverSource, SpillFiles spillFiles, TaskProcessor processor,
            ReplySink replies, WorkerStatistics statistics) {
        this.pool = pool;
        this.id = id;
        this.receiverSource = receiverSource;
        this.statistics = statistics;
        this.runner = new TaskRunner(pool, "Task worker " + id, processor, replies, statistics);
        this.decoder = new FrameDecoder(spillFiles, pool.maxFrameSize());
    }

    int id() {
        return this.id;
    }

    WorkerState state() {
        return this.state;
    }

    private TaskReceiver receiver() {
        TaskReceiver current = this.receiver;
        if (current == null) {
            current = this.receiverSource.get();
            this.receiver = current;
        }
        return current;
    }

    void releaseReceiver() {
        TaskReceiver current = this.receiver;
        if (current == null) {
            return;
        }
        try {
            current.release();
        }
        catch (RuntimeException ex) {
            logger.warn("Could not release the receiver of task worker {}: {}", this.id, ex.getMessage());
        }
    }

    long busySinceNanos() {
        return this.busySinceNanos;
    }

    int currentTaskId() {
        return this.runner.currentTaskId();
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
            length = receiver().receive(this.buffer);
        }
        catch (RuntimeException ex) {
            throw new ReceiveFailedException(ex);
        }
        if (length == TaskReceiver.CLOSED) {
            return CLOSED;
        }
        this.busySinceNanos = System.nanoTime();
        this.state = WorkerState.BUSY;
        this.statistics.received();
        String malformed = receiver().malformed();
        if (malformed != null) {
            this.runner.reject(new FrameRejectedException(RejectReason.BAD_FRAME, malformed));
        }
        else {
            handle(length);
        }
        MessageCompletion completion = this.handedOver;
        if (completion == null) {
            receiver().complete();
        }
        else {
            this.handedOver = null;
            completion.release();
        }
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
            this.runner.reject(ex);
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
        boolean empty = true;
        while (batch.hasNext()) {
            empty = false;
            try {
                batch.next(task);
            }
            catch (FrameRejectedException ex) {
                this.runner.reject(ex);  // one bad task: the cursor goes on with the frames around it if it can find them
                continue;
            }
            run(task);
        }
        if (empty) {
            this.runner.reject(new FrameRejectedException(RejectReason.BAD_FRAME, "task " + task.taskId()
                    + ": a batch (flag BATCH) that holds no task"));
        }
    }

    /**
     * A copy of the task this worker runs now, for a stop that gives up on it, or null when it runs none. Read from
     * the stopping thread while the worker is stuck in the handler: the task's fields and payload stay as they are
     * until the worker takes its next message.
     */
    @Nullable DecodedTask copyOfCurrentTask() {
        if (this.state != WorkerState.BUSY) {
            return null;
        }
        try {
            return this.task.copy();
        }
        catch (RuntimeException ex) {
            logger.warn("Could not copy the task abandoned on task worker {}: {}", this.id, ex.toString());
            return null;
        }
    }

    private void run(DecodedTask task) {
        ReservedWorkerThreads reserved = this.pool.reservedFor(task);
        if (reserved != null) {
            handOver(reserved, task);
            return;
        }
        if (this.runner.run(task)) {
            this.pool.workerSucceeded(this.id);
        }
    }

    /** Gives a copy of the task to its reserved workers; the message is completed once they ran it. */
    private void handOver(ReservedWorkerThreads reserved, DecodedTask task) {
        MessageCompletion completion = this.handedOver;
        if (completion == null) {
            completion = new MessageCompletion(receiver().detach());
            this.handedOver = completion;
        }
        completion.retain();
        reserved.accept(task.copy(), completion);
    }

    /** The transport failed to deliver; its cause says why. */
    static final class ReceiveFailedException extends RuntimeException {

        ReceiveFailedException(RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
