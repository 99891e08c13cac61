package io.github.swooletask.spring.handler;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The task handlers of the application by task name. The handler with the empty name is the default. Handlers are
 * registered while the context starts; lookups afterwards need no lock.
 */
public final class TaskHandlerRegistry {

    private final Map<String, TaskHandlerMethod> handlers = new ConcurrentHashMap<>();

    private final Map<String, TaskHandlerMethod> ordered = Collections.synchronizedMap(new LinkedHashMap<>());

    /** Adds a handler; fails if its name is taken. */
    public void register(TaskHandlerMethod handler) {
        TaskHandlerMethod existing = this.handlers.putIfAbsent(handler.route(), handler);
        if (existing != null) {
            String what = handler.route().isEmpty() ? "the default route (no name)" : "the task name '" + handler.route() + "'";
            throw new IllegalStateException("Two @TaskHandler methods claim " + what + ": "
                    + existing.method().toGenericString() + " and " + handler.method().toGenericString()
                    + "; give one of them another name with @TaskHandler(\"name\")");
        }
        this.ordered.put(handler.route(), handler);
    }

    /** The handler for a task name, or the default handler for null; null when none takes it. */
    public TaskHandlerMethod find(String route) {
        return this.handlers.get((route != null) ? route : "");
    }

    /** Every handler in registration order. */
    public Collection<TaskHandlerMethod> handlers() {
        synchronized (this.ordered) {
            return List.copyOf(this.ordered.values());
        }
    }

    public boolean isEmpty() {
        return this.handlers.isEmpty();
    }
}
