package io.github.swooletask.worker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.log.LogRateLimit;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.TaskFlags;

/**
 * Runs one decoded task the way every worker thread does: admits a reply request, calls the processor, counts the
 * outcome and sends the reply. One per thread (shared worker or reserved one), used only from that thread.
 */
final class TaskRunner {

    private static final Logger logger = LoggerFactory.getLogger(TaskWorker.class);

    private final TaskWorkerPool pool;

    private final String name;

    private final TaskProcessor processor;

    private final ReplySink replies;

    private final WorkerStatistics statistics;

    private final RejectionLog rejectionLog = new RejectionLog(logger);

    private volatile int currentTaskId;

    /** The ids of the batch this runner runs now, empty between batches. */
    private volatile List<Integer> currentBatch = List.of();

    /** Failed tasks logged with their stack trace per second, across the pool; the rest are counted. */
    static final int FAILURES_PER_SECOND = 10;

    private final LogRateLimit failureLog;

    /**
     * @param name how logs name the thread, e.g. {@code Task worker 3}
     */
    TaskRunner(TaskWorkerPool pool, String name, TaskProcessor processor, ReplySink replies,
            WorkerStatistics statistics) {
        this.pool = pool;
        this.failureLog = pool.failureLog();
        this.name = name;
        this.processor = processor;
        this.replies = replies;
        this.statistics = statistics;
    }

    int currentTaskId() {
        return this.currentTaskId;
    }

    /** The ids of the tasks this runner runs now: its batch, or its one task. */
    List<Integer> currentTaskIds() {
        List<Integer> batch = this.currentBatch;
        return batch.isEmpty() ? List.of(this.currentTaskId) : batch;
    }

    /**
     * Runs the task; an {@link Error} other than an {@link AssertionError} is counted, answered, and thrown on (it
     * ends the thread).
     * @return whether the handler returned normally
     */
    boolean run(DecodedTask task) {
        this.currentTaskId = task.taskId();
        if (!admit(task)) {
            return false;
        }
        boolean wantsReply = (task.flags() & (TaskFlags.REPLY | TaskFlags.REPLY_TO)) != 0;
        Object result;
        try {
            result = this.processor.process(task);
        }
        catch (FrameRejectedException ex) {
            reject(ex);
            if (wantsReply) {
                this.replies.failed(task, new IllegalArgumentException(ex.getMessage()));
            }
            return false;
        }
        catch (Throwable ex) {
            this.statistics.failed();
            logFailure(task, ex);
            if (wantsReply) {
                this.replies.failed(task, ex);
            }
            if (ex instanceof Error error && !(ex instanceof AssertionError)) {
                throw error;
            }
            return false;
        }
        this.statistics.processed();
        if (wantsReply) {
            this.replies.completed(task, result);
        }
        return true;
    }

    /**
     * Runs the tasks as one batch ({@link TaskProcessor#processBatch}), each admitted, counted and answered as
     * {@link #run} does one; a processor that throws fails them all. An {@link Error} other than an
     * {@link AssertionError} is thrown on once every task is answered.
     */
    void runBatch(List<DecodedTask> tasks) {
        List<DecodedTask> admitted = new ArrayList<>(tasks.size());
        List<Integer> ids = new ArrayList<>(tasks.size());
        for (DecodedTask task : tasks) {
            if (admit(task)) {
                admitted.add(task);
                ids.add(task.taskId());
            }
        }
        if (admitted.isEmpty()) {
            return;
        }
        this.currentTaskId = ids.get(0);
        this.currentBatch = List.copyOf(ids);
        Set<Throwable> logged = Collections.newSetFromMap(new IdentityHashMap<>());
        try {
            List<BatchOutcome> outcomes;
            try {
                outcomes = this.processor.processBatch(admitted);
                if (outcomes.size() != admitted.size()) {
                    throw new IllegalStateException("the processor gave " + outcomes.size() + " outcomes for a batch"
                            + " of " + admitted.size() + " tasks");
                }
            }
            catch (Throwable ex) {
                for (DecodedTask task : admitted) {
                    answer(task, BatchOutcome.failed(ex), admitted.size(), logged);
                }
                if (ex instanceof Error error && !(ex instanceof AssertionError)) {
                    throw error;
                }
                return;
            }
            for (int i = 0; i < admitted.size(); i++) {
                answer(admitted.get(i), outcomes.get(i), admitted.size(), logged);
            }
        }
        finally {
            this.currentBatch = List.of();
        }
    }

    /**
     * Lets the reply sink refuse a task that asks for a reply it cannot deliver (counted and logged as rejected), and
     * tells the pool of a task from a Swoole server's own {@code $server->task()}, whose result cannot reach it.
     * @return whether the task may run
     */
    private boolean admit(DecodedTask task) {
        int flags = task.flags();
        if ((flags & (TaskFlags.REPLY | TaskFlags.REPLY_TO)) != 0) {
            try {
                this.replies.admit(task);
            }
            catch (FrameRejectedException ex) {
                reject(ex);
                return false;
            }
        }
        else if (task.format().isDataHead() && (flags & TaskFlags.NOREPLY) == 0) {
            this.pool.noticeSwooleServerTask(task);
        }
        return true;
    }

    /**
     * Counts one task of a batch and sends its reply, as {@link #run} does for a task of its own. A failure is
     * logged once for the batch: the tasks of a failed run share their cause.
     * @param logged the causes logged for this batch so far
     */
    private void answer(DecodedTask task, BatchOutcome outcome, int batchSize, Set<Throwable> logged) {
        boolean wantsReply = (task.flags() & (TaskFlags.REPLY | TaskFlags.REPLY_TO)) != 0;
        Throwable failure = outcome.failure();
        if (failure == null) {
            this.statistics.processed();
            if (wantsReply) {
                this.replies.completed(task, outcome.result());
            }
        }
        else if (failure instanceof FrameRejectedException rejected) {
            reject(rejected);
            if (wantsReply) {
                this.replies.failed(task, new IllegalArgumentException(rejected.getMessage()));
            }
        }
        else {
            this.statistics.failed();
            if (logged.add((failure.getCause() != null) ? failure.getCause() : failure)) {
                logFailure(task, failure, (batchSize > 1) ? " (in a batch of " + batchSize + ", whose other tasks"
                        + " that failed with this cause are not logged each)" : "");
            }
            if (wantsReply) {
                this.replies.failed(task, failure);
            }
        }
    }

    private void logFailure(DecodedTask task, Throwable ex) {
        logFailure(task, ex, "");
    }

    private void logFailure(DecodedTask task, Throwable ex, String batch) {
        long left = this.failureLog.permit();
        if (left < 0) {
            return;
        }
        String more = (left > 0) ? " (" + left + " earlier failure(s) were not logged each, at most "
                + FAILURES_PER_SECOND + " a second are)" : "";
        logger.error("Task {} failed on {}{}{}", task.taskId(), this.name, batch, more, ex);
    }

    /** Counts and logs (rate-limited) a message or task that could not be run. */
    void reject(FrameRejectedException ex) {
        this.statistics.rejected(ex.reason());
        this.rejectionLog.log(this.name, ex);
    }
}
