package io.github.swooletask.spring.handler;

import java.util.function.Function;

import io.github.swooletask.spring.TaskHandlerConfigurer;

/**
 * Registers the {@link TaskHandlerEndpoint}s a {@link TaskHandlerConfigurer} declares, beside the
 * {@code @TaskHandler} methods, in the {@link TaskHandlerRegistry}.
 */
public final class TaskHandlerRegistrar {

    private final TaskHandlerRegistry registry;

    private final Function<TaskHandlerEndpoint, TaskHandlerMethod> handlers;

    TaskHandlerRegistrar(TaskHandlerRegistry registry, Function<TaskHandlerEndpoint, TaskHandlerMethod> handlers) {
        this.registry = registry;
        this.handlers = handlers;
    }

    /**
     * Adds a handler.
     * @throws IllegalStateException when its method cannot be a handler, or another handler has its name or id
     */
    public TaskHandlerRegistrar register(TaskHandlerEndpoint endpoint) {
        this.registry.register(this.handlers.apply(endpoint));
        return this;
    }
}
