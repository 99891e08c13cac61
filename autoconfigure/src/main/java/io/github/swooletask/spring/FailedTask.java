package io.github.swooletask.spring;

/**
 * A task whose handler failed on every attempt, handed to the {@link TaskRecoverer}.
 *
 * @param taskId the producer's task id
 * @param route the task name, or null
 * @param flags the frame's flags
 * @param handler the handler's display name
 * @param payload the raw payload bytes
 * @param failure the last exception
 * @param attempts how many times the handler ran
 */
public record FailedTask(int taskId, String route, int flags, String handler, byte[] payload, Throwable failure,
        long attempts) {
}
