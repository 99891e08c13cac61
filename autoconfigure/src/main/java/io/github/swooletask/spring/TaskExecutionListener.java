package io.github.swooletask.spring;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.wire.DecodedTask;

/**
 * Told of every handler run: a retried task's attempts one by one, so a task that failed once and then succeeded
 * makes two calls. Called on the worker thread, so keep it quick. A task whose payload could not become the
 * handler's argument never ran a handler: it is rejected, not reported here.
 */
public interface TaskExecutionListener {

    /**
     * @param handler the handler that ran
     * @param nanos how long this run took (the payload's conversion and any wait before a retry not included)
     * @param failure what this run threw, or null when it returned
     */
    void executed(TaskHandlerMethod handler, long nanos, @Nullable Throwable failure);

    /**
     * The same with the task and the handler's return value, for a listener that wants them; by default
     * {@link #executed(TaskHandlerMethod, long, Throwable)}.
     * @param task the task, valid during this call only (the worker reuses it): copy what is kept
     * @param result what the handler returned (null for void, or when it failed)
     */
    default void executed(TaskHandlerMethod handler, DecodedTask task, @Nullable Object result, long nanos,
            @Nullable Throwable failure) {
        executed(handler, nanos, failure);
    }

    /**
     * One run of a batch handler ({@code @TaskHandler(batchSize)}), after the calls for each of its tasks (each of
     * which got its share of {@code nanos}); by default nothing.
     * @param tasks how many tasks the run took
     * @param nanos how long the whole run took
     * @param failure what this run threw, or null when it returned
     */
    default void batchExecuted(TaskHandlerMethod handler, int tasks, long nanos, @Nullable Throwable failure) {
    }
}
