package io.github.swooletask.spring;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.handler.TaskHandlerMethod;

/**
 * Told of every handler run: a retried task's attempts one by one, so a task that failed once and then succeeded
 * makes two calls. Called on the worker thread, so keep it quick.
 */
public interface TaskExecutionListener {

    /**
     * @param handler the handler that ran
     * @param nanos how long this run took (the payload's conversion and any wait before a retry not included)
     * @param failure what this run threw, or null when it returned
     */
    void executed(TaskHandlerMethod handler, long nanos, @Nullable Throwable failure);
}
