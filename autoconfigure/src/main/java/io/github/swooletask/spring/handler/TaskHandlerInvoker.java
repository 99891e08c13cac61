package io.github.swooletask.spring.handler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.retry.RetryPolicy;

import io.github.swooletask.log.LogRateLimit;
import io.github.swooletask.log.LogSafe;
import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskExecutionException;
import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskRecoverer;
import io.github.swooletask.spring.TaskSource;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.spring.retry.RetrySchedule;
import io.github.swooletask.spring.retry.RetryWait;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.worker.BatchOutcome;
import io.github.swooletask.worker.TaskProcessor;

/**
 * Runs each task on its {@link TaskHandler} method: routes by task name (default handler for none), converts the
 * payload, runs the handler again after a failure as the Spring {@link RetryPolicy} says (which failures, how many
 * retries, which delays: the handler's own {@link TaskHandlerMethod#retryPolicy()}, else the one given), and gives a
 * task that failed every attempt to the {@link TaskRecoverer}. A payload that cannot be converted is rejected at once,
 * without retry. The wait between runs is a {@link RetryWait}, which {@link #shutdown()} cuts short.
 * {@link TaskExecutionListener}s hear of every handler run, each attempt apart (the waits between them not included);
 * with {@link TaskObservations} every run is observed. A batch handler's tasks run together
 * ({@link #processBatch}). The result of a handler with a {@code @SendTo} goes on as a
 * new task, through the {@link TaskResultSender}, when no caller waits for it. Runs on the worker threads;
 * thread-safe.
 */
public class TaskHandlerInvoker implements TaskProcessor {

    private static final Logger logger = LoggerFactory.getLogger(TaskHandlerInvoker.class);

    private final TaskHandlerRegistry registry;

    private final int localTag;

    private final RetryPolicy retryPolicy;

    private final RetryWait retryWait = new RetryWait();

    private final @Nullable TaskRecoverer recoverer;

    private final TaskExecutionListener[] listeners;

    /** Retry warnings: at most 10 a second, the rest counted. */
    private final LogRateLimit retryLog = new LogRateLimit(10, Duration.ofSeconds(1));

    private @Nullable TaskObservations observations;

    private @Nullable TaskResultSender resultSender;

    /**
     * @param localTag the from id this application's dispatcher stamps on its tasks ({@link TaskSource#LOCAL})
     * @param retryPolicy when a failed handler without a policy of its own runs again;
     * {@code RetryPolicy.withMaxRetries(0)} for never
     */
    public TaskHandlerInvoker(TaskHandlerRegistry registry, int localTag, RetryPolicy retryPolicy,
            @Nullable TaskRecoverer recoverer, List<TaskExecutionListener> listeners) {
        this.registry = registry;
        this.localTag = localTag;
        this.retryPolicy = retryPolicy;
        this.recoverer = recoverer;
        this.listeners = listeners.toArray(new TaskExecutionListener[0]);
    }

    /** Observes every handler run, continuing the dispatcher's trace when the task carries one. */
    public void setObservations(TaskObservations observations) {
        this.observations = observations;
    }

    /**
     * Sends the results of handlers with a {@link TaskHandlerMethod#sendTo()} on; without one such handlers fail
     * the {@link #startup()}.
     */
    public void setResultSender(TaskResultSender resultSender) {
        this.resultSender = resultSender;
    }

    /**
     * Allows retries again after {@link #shutdown()}, once the sender accepted the target of every handler that
     * sends its results on.
     * @throws IllegalStateException naming the handler whose results could not be sent
     */
    public void startup() {
        for (TaskHandlerMethod handler : this.registry.handlers()) {
            String target = handler.sendTo();
            if (target != null) {
                checkTarget(handler, target);
            }
        }
        this.retryWait.startup();
    }

    private void checkTarget(TaskHandlerMethod handler, String target) {
        TaskResultSender sender = this.resultSender;
        if (sender == null) {
            throw new IllegalStateException("@TaskHandler " + handler.declaration() + " has @SendTo(\"" + target
                    + "\"), but the TaskHandlerInvoker has no TaskResultSender to send its results with");
        }
        try {
            sender.checkTarget(target);
        }
        catch (IllegalStateException ex) {
            throw new IllegalStateException("@TaskHandler " + handler.declaration() + " has @SendTo(\"" + target
                    + "\"): " + ex.getMessage(), ex);
        }
    }

    /** Ends backoff waits now: tasks waiting for a retry go to the recoverer at once. */
    public void shutdown() {
        this.retryWait.shutdown();
    }

    @Override
    public Object process(DecodedTask task) throws Exception {
        TaskHandlerMethod handler = this.registry.find(task.route());
        if (handler == null) {
            throw new FrameRejectedException(RejectReason.NO_HANDLER, "task " + task.taskId() + ": "
                    + ((task.route() == null) ? "no default @TaskHandler (one without a name) takes tasks without a name"
                            : "no @TaskHandler takes the task name '" + task.route() + "'"));
        }
        TaskContext context = handler.wantsContext() ? contextOf(task) : null;
        RetrySchedule retries = null;
        long attempt = 0;
        while (true) {
            attempt++;
            long start = (this.listeners.length == 0) ? 0 : System.nanoTime();  // the clock only for listeners
            Object result;
            try {
                // a converter or validator that breaks (not a payload it rejects) fails the run: retried, then kept
                @Nullable Object[] args = handler.arguments(task, context);
                result = run(task, handler, attempt, args);
            }
            catch (FrameRejectedException ex) {
                notifyListeners(handler, task, null, start, ex);
                throw ex;
            }
            catch (Exception | StackOverflowError | LinkageError | AssertionError ex) {
                // errors of the handler's own code (not of the JVM) fail the task like exceptions: the worker lives on
                notifyListeners(handler, task, null, start, ex);
                if (!this.retryWait.isShutDown()) {
                    retries = (retries != null) ? retries : RetrySchedule.start(policyOf(handler));
                    if (waitForRetry(retries, ex, handler, "task " + task.taskId(), attempt)) {
                        continue;
                    }
                }
                throw failed(task, handler, ex, attempt);
            }
            notifyListeners(handler, task, result, start, null);
            return result;
        }
    }

    /**
     * Runs a batch handler's tasks together: each payload read as an element of its list (one that cannot be read is
     * rejected alone), the method called once with the rest, and again after a failure as its retry policy says;
     * once it gives up, each task goes to the recoverer. Each result goes on as {@link #sendOn} says, within the run,
     * a send that fails failing its task alone. Listeners hear of every task of every run, each timed at its share of the run;
     * one observation covers a run, continuing the trace of its first task. Tasks of other handlers run one by one.
     */
    @Override
    public List<BatchOutcome> processBatch(List<DecodedTask> tasks) {
        TaskHandlerMethod handler = tasks.isEmpty() ? null : this.registry.find(tasks.get(0).route());
        if (handler == null || handler.batchSize() <= 1) {
            return TaskProcessor.super.processBatch(tasks);
        }
        BatchOutcome[] outcomes = new BatchOutcome[tasks.size()];
        List<Integer> running = new ArrayList<>(tasks.size());
        List<@Nullable Object> payloads = new ArrayList<>(tasks.size());
        List<TaskContext> contexts = new ArrayList<>(handler.wantsContext() ? tasks.size() : 0);
        for (int i = 0; i < tasks.size(); i++) {
            DecodedTask task = tasks.get(i);
            TaskContext context = handler.wantsContext() ? contextOf(task) : null;
            try {
                payloads.add(handler.batchPayload(task, context));
            }
            catch (FrameRejectedException ex) {
                outcomes[i] = BatchOutcome.failed(ex);
                continue;
            }
            catch (RuntimeException ex) {
                // a converter or validator that breaks: this task fails, the others run
                outcomes[i] = BatchOutcome.failed(failed(task, handler, ex, 1));
                continue;
            }
            running.add(i);
            if (context != null) {
                contexts.add(context);
            }
        }
        if (!running.isEmpty()) {
            runBatch(tasks, handler, running, payloads, contexts, outcomes);
        }
        return Arrays.asList(outcomes);
    }

    private void runBatch(List<DecodedTask> tasks, TaskHandlerMethod handler, List<Integer> running,
            List<@Nullable Object> payloads, List<TaskContext> contexts, BatchOutcome[] outcomes) {
        DecodedTask first = tasks.get(running.get(0));
        RetrySchedule retries = null;
        long attempt = 0;
        while (true) {
            attempt++;
            long start = System.nanoTime();
            List<@Nullable Object> results;
            @Nullable RuntimeException[] sendFailures = new RuntimeException[running.size()];
            Callable<List<@Nullable Object>> run = () -> {
                List<@Nullable Object> made = handler.invokeBatch(payloads, contexts);
                // inside the run (and its observation), as for one task; a send that fails fails its task alone
                for (int j = 0; j < made.size(); j++) {
                    try {
                        sendOn(tasks.get(running.get(j)), handler, made.get(j), payloads.get(j));
                    }
                    catch (RuntimeException ex) {
                        sendFailures[j] = ex;
                    }
                }
                return made;
            };
            try {
                TaskObservations observations = this.observations;
                if (observations != null) {
                    @SuppressWarnings("unchecked")
                    List<@Nullable Object> observed = (List<@Nullable Object>) observations.observeRun(first, handler,
                            attempt, run::call);
                    results = observed;
                }
                else {
                    results = run.call();
                }
            }
            catch (Exception | StackOverflowError | LinkageError | AssertionError ex) {
                long nanos = System.nanoTime() - start;
                for (int index : running) {
                    tellListeners(handler, tasks.get(index), null, nanos / running.size(), ex);
                }
                tellBatchListeners(handler, running.size(), nanos, ex);
                if (!this.retryWait.isShutDown()) {
                    retries = (retries != null) ? retries : RetrySchedule.start(policyOf(handler));
                    try {
                        if (waitForRetry(retries, ex, handler, "a batch of " + running.size() + " tasks (first "
                                + first.taskId() + ")", attempt)) {
                            continue;
                        }
                    }
                    catch (InterruptedException interrupted) {
                        // a stop: no more runs, the tasks go to the recoverer
                        Thread.currentThread().interrupt();
                    }
                }
                for (int index : running) {
                    DecodedTask task = tasks.get(index);
                    outcomes[index] = BatchOutcome.failed(failed(task, handler, ex, attempt));
                }
                return;
            }
            long nanos = System.nanoTime() - start;
            long share = nanos / running.size();
            for (int j = 0; j < running.size(); j++) {
                int index = running.get(j);
                DecodedTask task = tasks.get(index);
                Object result = results.get(j);
                RuntimeException sendFailure = sendFailures[j];
                outcomes[index] = (sendFailure == null) ? BatchOutcome.succeeded(result)
                        : BatchOutcome.failed(failed(task, handler, sendFailure, attempt));
                tellListeners(handler, task, result, share, sendFailure);
            }
            tellBatchListeners(handler, running.size(), nanos, null);
            return;
        }
    }

    /** The handler's own retry, else the application's. */
    private RetryPolicy policyOf(TaskHandlerMethod handler) {
        RetryPolicy own = handler.retryPolicy();
        return (own != null) ? own : this.retryPolicy;
    }

    /**
     * After a failed run: asks the schedule for the delay before the next, logs the retry (at most 10 a second)
     * and waits.
     * @param what what failed, for the log: {@code task 7}, or a batch
     * @return whether to run again: false once the policy gave up or a shutdown cut the wait short
     */
    private boolean waitForRetry(RetrySchedule retries, Throwable failure, TaskHandlerMethod handler, String what,
            long attempt) throws InterruptedException {
        long delay = retries.nextDelayMillis(failure);
        if (delay == RetrySchedule.STOP) {
            return false;
        }
        long left = this.retryLog.permit();
        if (left >= 0) {
            logger.warn("@TaskHandler {} failed on {} (attempt {}), retrying in {} ms: {}{}", handler.displayName(),
                    what, attempt, delay, LogSafe.escape(failure.toString()),
                    (left > 0) ? " (" + left + " earlier retries were not logged each)" : "");
        }
        return this.retryWait.await(delay);
    }

    /** One run of the handler, observed when observations are on. */
    private @Nullable Object run(DecodedTask task, TaskHandlerMethod handler, long attempt, @Nullable Object[] args)
            throws Exception {
        TaskObservations observations = this.observations;
        return (observations != null)
                ? observations.observeRun(task, handler, attempt,
                        () -> sendOn(task, handler, handler.invoke(args), handler.payloadArgument(args)))
                : sendOn(task, handler, handler.invoke(args), handler.payloadArgument(args));
    }

    /**
     * Sends a handler's result on as a task of its {@code @SendTo} name, unless it has none, the result is null, or
     * a caller waits for it (a {@code call}, or another program that gave a reply address): the caller gets it then,
     * as a reply address in a Spring AMQP message wins over {@code @SendTo}. Part of the handler run, so a send that
     * fails fails the run (and the dispatch is observed inside the run's observation).
     */
    private @Nullable Object sendOn(DecodedTask task, TaskHandlerMethod handler, @Nullable Object result,
            @Nullable Object payload) {
        String target = handler.sendTo();
        if (target == null || result == null || (task.flags() & (TaskFlags.REPLY | TaskFlags.REPLY_TO)) != 0) {
            return result;
        }
        TaskResultSender sender = this.resultSender;
        if (sender == null) {
            throw new IllegalStateException("@TaskHandler " + handler.displayName() + " has @SendTo(\"" + target
                    + "\"), but the TaskHandlerInvoker has no TaskResultSender to send its results with");
        }
        sender.send(handler.sendToFor(target, result, payload, () -> contextOf(task)), result);
        return result;
    }

    /** Local when this application's dispatcher stamped it and no other program asked for its result. */
    private TaskSource source(DecodedTask task) {
        return (task.fromId() == this.localTag && !task.wantsReplyTo()) ? TaskSource.LOCAL : TaskSource.EXTERNAL;
    }

    /** What a handler's run made of its context. */
    private TaskContext contextOf(DecodedTask task) {
        return new TaskContext(task.taskId(), task.workerId(), task.flags(), task.route(), source(task),
                task.delivery(), task.format());
    }

    /** A task that failed for good: given to the recoverer, and the failure that names what it noted. */
    private TaskExecutionException failed(DecodedTask task, TaskHandlerMethod handler, Throwable failure,
            long attempts) {
        return new TaskExecutionException(handler.displayName(), task.taskId(), recover(task, handler, failure,
                attempts), failure);
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
        tellListeners(handler, task, result, System.nanoTime() - start, failure);
    }

    private void tellBatchListeners(TaskHandlerMethod handler, int tasks, long nanos, @Nullable Throwable failure) {
        for (TaskExecutionListener listener : this.listeners) {
            try {
                listener.batchExecuted(handler, tasks, nanos, failure);
            }
            catch (RuntimeException ex) {
                logger.warn("TaskExecutionListener {} failed: {}", listener, ex.toString());
            }
        }
    }

    private void tellListeners(TaskHandlerMethod handler, DecodedTask task, @Nullable Object result, long nanos,
            @Nullable Throwable failure) {
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
