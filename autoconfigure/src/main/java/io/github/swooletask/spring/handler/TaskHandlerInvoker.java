package io.github.swooletask.spring.handler;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.concurrent.IdleStrategy;
import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskExecutionException;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.TaskSource;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.spring.retry.RetryBackoff;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.worker.TaskProcessor;

/**
 * Runs each task on its {@link TaskHandler} method: routes by task name (default handler for none), converts the
 * payload, retries a failing handler with backoff, and gives a task that failed every attempt to the
 * {@link TaskRecoverer}. A payload that cannot be converted is rejected at once, without retry. Runs on the worker
 * threads; thread-safe.
 */
public class TaskHandlerInvoker implements TaskProcessor {

    private static final Logger logger = LoggerFactory.getLogger(TaskHandlerInvoker.class);

    private final TaskHandlerRegistry registry;

    private final int localTag;

    private final RetryBackoff retry;

    /** Waits between retries: parks of up to 10 ms, so a shutdown cuts a backoff short within that. */
    private static final IdleStrategy RETRY_WAIT = new BackoffIdleStrategy(0, 0, Duration.ofMillis(1),
            Duration.ofMillis(10));

    private final @Nullable TaskRecoverer recoverer;

    private final TaskExecutionListener[] listeners;

    private @Nullable TaskObservations observations;

    private volatile boolean shuttingDown;

    /**
     * @param localTag the from id this application's dispatcher stamps on its tasks ({@link TaskSource#LOCAL})
     */
    public TaskHandlerInvoker(TaskHandlerRegistry registry, int localTag, RetryBackoff retry,
            @Nullable TaskRecoverer recoverer, List<TaskExecutionListener> listeners) {
        this.registry = registry;
        this.localTag = localTag;
        this.retry = retry;
        this.recoverer = recoverer;
        this.listeners = listeners.toArray(new TaskExecutionListener[0]);
    }

    /** Continues the dispatcher's trace around handlers of tasks that carry trace context. */
    public void setObservations(TaskObservations observations) {
        this.observations = observations;
    }

    /** Allows retries again after {@link #shutdown()}. */
    public void startup() {
        this.shuttingDown = false;
    }

    /** Ends backoff waits now: tasks waiting for a retry go to the recoverer at once. */
    public void shutdown() {
        this.shuttingDown = true;
    }

    @Override
    public Object process(DecodedTask task) throws Exception {
        TaskHandlerMethod handler = this.registry.find(task.route());
        if (handler == null) {
            throw new FrameRejectedException(RejectReason.NO_HANDLER, "task " + task.taskId() + ": "
                    + ((task.route() == null) ? "no default @TaskHandler (one without a name) takes tasks without a name"
                            : "no @TaskHandler takes the task name '" + task.route() + "'"));
        }
        TaskContext context = handler.wantsContext() ? new TaskContext(task.taskId(), task.workerId(), task.flags(),
                task.route(), source(task), task.delivery(), task.format()) : null;
        long start = System.nanoTime();
        long attempt = 0;
        while (true) {
            attempt++;
            Object result;
            try {
                TaskObservations observations = this.observations;
                byte[] trace = task.trace();
                result = (observations != null && trace != null)
                        ? observations.observeHandler(trace, handler, () -> handler.invoke(task, context))
                        : handler.invoke(task, context);
            }
            catch (FrameRejectedException ex) {
                throw ex;
            }
            catch (Exception | StackOverflowError | LinkageError | AssertionError ex) {
                // errors of the handler's own code (not of the JVM) fail the task like exceptions: the worker lives on
                if (attempt <= this.retry.maxRetries() && !this.shuttingDown && this.retry.retries(ex)) {
                    long delay = this.retry.delayNanos(attempt);
                    logger.warn("@TaskHandler {} failed on task {} (attempt {} of {}), retrying in {} ms: {}",
                            handler.displayName(), task.taskId(), attempt, this.retry.maxRetries() + 1,
                            TimeUnit.NANOSECONDS.toMillis(delay), ex.toString());
                    if (backoff(delay)) {
                        continue;
                    }
                }
                notifyListeners(handler, task, null, start, ex);
                throw new TaskExecutionException(handler.displayName(), task.taskId(), recover(task, handler, ex, attempt),
                        ex);
            }
            notifyListeners(handler, task, result, start, null);
            return result;
        }
    }

    /** Local when this application's dispatcher stamped it and no other program asked for its result. */
    private TaskSource source(DecodedTask task) {
        return (task.fromId() == this.localTag && !task.wantsReplyTo()) ? TaskSource.LOCAL : TaskSource.EXTERNAL;
    }

    /** Waits before a retry; false when a shutdown (or an interrupt) ended the wait first. */
    private boolean backoff(long nanos) throws InterruptedException {
        boolean due = RETRY_WAIT.idleUntil(System.nanoTime() + nanos,
                () -> this.shuttingDown || Thread.currentThread().isInterrupted());
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while waiting to retry a task");
        }
        return due && !this.shuttingDown;
    }

    private String recover(DecodedTask task, TaskHandlerMethod handler, Throwable failure, long attempts) {
        if (this.recoverer == null) {
            return "";
        }
        try {
            String note = this.recoverer.recover(new FailedTask(task.taskId(), task.route(), task.flags(),
                    handler.displayName(), task.payloadBytes(), failure, attempts));
            return (note == null || note.isEmpty()) ? "" : " (" + note + ")";
        }
        catch (Exception ex) {
            failure.addSuppressed(ex);
            return " (the recoverer failed too: " + ex + ")";
        }
    }

    private void notifyListeners(TaskHandlerMethod handler, DecodedTask task, @Nullable Object result, long start,
            @Nullable Throwable failure) {
        if (this.listeners.length == 0) {
            return;
        }
        long nanos = System.nanoTime() - start;
        for (TaskExecutionListener listener : this.listeners) {
            try {
                listener.executed(handler, task, result, nanos, failure);
            }
            catch (RuntimeException ex) {
                // a listener's fault is not the task's: the task keeps its outcome
                logger.warn("TaskExecutionListener {} failed: {}", listener, ex.toString());
            }
        }
    }
}
