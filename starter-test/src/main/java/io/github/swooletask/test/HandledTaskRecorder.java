package io.github.swooletask.test;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.TaskExecutionListener;
import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.wire.DecodedTask;

/** Keeps every handler run as a {@link HandledTask}, for {@link SwooleTaskTestHarness}. Thread-safe. */
public final class HandledTaskRecorder implements TaskExecutionListener {

    private final Recording<HandledTask> handled = new Recording<>("handler runs");

    @Override
    public void executed(TaskHandlerMethod handler, long nanos, @Nullable Throwable failure) {
        // told with the task, below
    }

    @Override
    public void executed(TaskHandlerMethod handler, DecodedTask task, @Nullable Object result, long nanos,
            @Nullable Throwable failure) {
        this.handled.add(new HandledTask(handler, task.taskId(), task.workerId(), task.flags(), task.format(),
                task.payloadBytes(), result, failure));
    }

    /** Every handler run since the start or the last {@link #forget()}, in the order they ended. */
    public List<HandledTask> handled() {
        return this.handled.snapshot();
    }

    /**
     * Waits until at least {@code count} handler runs ended.
     * @throws AssertionError when fewer ended within the timeout
     */
    public List<HandledTask> awaitHandled(int count, Duration timeout) {
        return this.handled.await(count, timeout);
    }

    /** Forgets the handler runs so far. */
    public void forget() {
        this.handled.clear();
    }
}
