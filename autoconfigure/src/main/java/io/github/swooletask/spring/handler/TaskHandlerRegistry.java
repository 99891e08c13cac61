package io.github.swooletask.spring.handler;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;

/**
 * The task handlers of the application by task name and by id. The handler with the empty name is the default.
 * Handlers are registered while the context starts; lookups afterwards need no lock.
 */
public final class TaskHandlerRegistry {

    private final Map<String, TaskHandlerMethod> byRoute = new ConcurrentHashMap<>();

    private final Map<String, TaskHandlerMethod> byId = new ConcurrentHashMap<>();

    private final List<TaskHandlerMethod> ordered = new CopyOnWriteArrayList<>();

    /** Adds a handler; fails, adding nothing, if its name or its id is taken. */
    public synchronized void register(TaskHandlerMethod handler) {
        TaskHandlerMethod sameRoute = this.byRoute.get(handler.route());
        if (sameRoute != null) {
            String what = handler.route().isEmpty() ? "the default route (no name)"
                    : "the task name '" + handler.route() + "'";
            throw new IllegalStateException("Two @TaskHandler methods claim " + what + ": "
                    + sameRoute.declaration() + " and " + handler.declaration()
                    + "; give one of them another name with @TaskHandler(\"name\")");
        }
        TaskHandlerMethod sameId = this.byId.get(handler.id());
        if (sameId != null) {
            throw new IllegalStateException("Two @TaskHandler methods have the id '" + handler.id() + "': "
                    + sameId.declaration() + " and " + handler.declaration()
                    + "; ids are unique: give one of them another with @TaskHandler(id = \"...\")");
        }
        this.byRoute.put(handler.route(), handler);
        this.byId.put(handler.id(), handler);
        this.ordered.add(handler);
    }

    /** The handler for a task name, or the default handler for null; null when none takes it. */
    public @Nullable TaskHandlerMethod find(@Nullable String route) {
        return this.byRoute.get((route != null) ? route : "");
    }

    /** The handler with this id, or null. */
    public @Nullable TaskHandlerMethod findById(String id) {
        return this.byId.get(id);
    }

    /** Every handler in registration order. */
    public List<TaskHandlerMethod> handlers() {
        return List.copyOf(this.ordered);
    }

    public boolean isEmpty() {
        return this.ordered.isEmpty();
    }
}
