package io.github.swooletask.spring;

import org.jspecify.annotations.Nullable;

/**
 * A task a {@link DeadLetterStore} kept after its handler failed every attempt, as read back: enough to send it
 * again ({@link #name()}, {@link #flags()}, {@link #payload()}) and to tell an operator what it was.
 *
 * @param id where the store keeps it (a file name, a stream entry id)
 * @param taskId the id the task had
 * @param name the task name, null for a task without one
 * @param flags the task's flags as received (those that say how the payload is encoded, SERIALIZE and JSON, among
 *     them)
 * @param handler the handler that failed, {@code SimpleClassName.method}
 * @param attempts how many times it ran
 * @param reason the last failure
 * @param payload the raw payload
 */
public record DeadLetter(String id, int taskId, @Nullable String name, int flags, String handler, long attempts,
        String reason, byte[] payload) {
}
