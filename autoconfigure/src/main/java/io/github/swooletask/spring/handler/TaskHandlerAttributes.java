package io.github.swooletask.spring.handler;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.TaskHandler;

/**
 * The attributes of one {@link TaskHandler} method, resolved and checked.
 *
 * @param id the handler's id, unique in the application
 * @param route the task name it takes, empty for the default handler
 * @param concurrency the workers reserved for it, 0 for the shared workers; a batch handler gets 1 for 0, as a
 *     batch is what waits for the handler's own workers
 * @param autoStartup whether its workers start with the application
 * @param sendTo the task name its results go on as ({@code @SendTo}), or null
 * @param batchSize the most tasks it gets at once, 1 for one at a time
 */
record TaskHandlerAttributes(String id, String route, int concurrency, boolean autoStartup, @Nullable String sendTo,
        int batchSize) {

    TaskHandlerAttributes {
        if (batchSize > 1 && concurrency == 0) {
            concurrency = 1;
        }
    }

    /** A handler of the shared workers that starts with the application and sends its results nowhere. */
    static TaskHandlerAttributes shared(String id, String route) {
        return new TaskHandlerAttributes(id, route, 0, true, null, 1);
    }
}
