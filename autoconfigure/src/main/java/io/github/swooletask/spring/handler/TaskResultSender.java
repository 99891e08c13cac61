package io.github.swooletask.spring.handler;

import org.springframework.messaging.handler.annotation.SendTo;

import io.github.swooletask.spring.TaskOperations;

/**
 * Sends the results of handlers with a {@link SendTo} (or an endpoint's {@link TaskHandlerEndpoint#sendTo sendTo})
 * on as new tasks; the starter's dispatches them with the application's {@link TaskOperations}.
 */
public interface TaskResultSender {

    /**
     * Checked once for each handler's target when the workers start.
     * @throws IllegalStateException when no task of this name could ever be sent (a wire format without names)
     */
    default void checkTarget(String name) {
    }

    /**
     * Sends {@code result} as a task of this name; what this throws (a full queue) fails the task that made the
     * result, which is then retried and recovered as a failed handler run would be.
     */
    void send(String name, Object result);
}
