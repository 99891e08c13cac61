package io.github.swooletask.test;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.wire.WireFormat;

/**
 * One handler run the {@link SwooleTaskTestHarness} saw: which handler ran which task, and how it ended.
 *
 * @param handler the handler that ran
 * @param taskId the task's id, as its producer numbered it
 * @param workerId the worker that ran it
 * @param flags the task's flag bits ({@code TaskFlags})
 * @param format the layout the task came in
 * @param payload a copy of the task's payload
 * @param result what the handler returned: null for void, or when it failed
 * @param failure what the handler threw in the end (after its retries), or null when it returned
 */
public record HandledTask(TaskHandlerMethod handler, int taskId, int workerId, int flags, WireFormat format,
        byte[] payload, @Nullable Object result, @Nullable Throwable failure) {

    /** The handler's id ({@code @TaskHandler(id)}, or bean name and method name). */
    public String handlerId() {
        return this.handler.id();
    }

    /** The task name the handler takes, empty for the default handler. */
    public String route() {
        return this.handler.route();
    }

    /** Whether the handler returned rather than threw. */
    public boolean succeeded() {
        return this.failure == null;
    }

    /** The payload as UTF-8 text. */
    public String text() {
        return new String(this.payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "task " + this.taskId + " on " + this.handler.displayName() + " (worker " + this.workerId + "): "
                + (succeeded() ? "returned " + this.result : "failed with " + this.failure);
    }
}
