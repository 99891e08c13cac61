package io.github.swooletask.spring;

import io.github.swooletask.spring.handler.TaskHandlerMethod;

/** Told of every handler run; called on the worker thread, so keep it quick. */
public interface TaskExecutionListener {

    /**
     * @param handler the handler that ran
     * @param nanos how long it ran, all attempts included
     * @param failure what it threw in the end, or null
     */
    void executed(TaskHandlerMethod handler, long nanos, Throwable failure);
}
