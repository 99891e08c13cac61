package io.github.swooletask.dispatch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.wire.OutgoingTask;

/**
 * A task whose id (and, for a call, result future) exist before it is sent: {@link #send()} puts it on the
 * transport later, {@link #discard(Throwable)} drops it; whichever comes first wins, once. Made by
 * {@link TaskDispatcher#prepare}, e.g. for a dispatch that waits for a transaction to commit.
 */
public final class PreparedTask {

    private final TaskDispatcher dispatcher;

    private final OutgoingTask task;

    private final int taskId;

    private final @Nullable CompletableFuture<Object> result;

    private final AtomicBoolean done = new AtomicBoolean();

    PreparedTask(TaskDispatcher dispatcher, OutgoingTask task, int taskId, @Nullable CompletableFuture<Object> result) {
        this.dispatcher = dispatcher;
        this.task = task;
        this.taskId = taskId;
        this.result = result;
    }

    /** The id the task has, sent or not. */
    public int taskId() {
        return this.taskId;
    }

    /** The task as it will travel. */
    public OutgoingTask task() {
        return this.task;
    }

    /** For a call: the future of its result, failed if the task is discarded or cannot be sent; else null. */
    public @Nullable CompletableFuture<Object> result() {
        return this.result;
    }

    /**
     * Sends the task now (a no-op after {@link #discard} or an earlier send); a call's future fails with what this
     * throws.
     * @throws QueueFullException when the queue stays full
     */
    public void send() {
        if (this.done.compareAndSet(false, true)) {
            this.dispatcher.sendPrepared(this);
        }
    }

    /** Drops the task unsent (a no-op once sent); a call's future fails with {@code why}. */
    public void discard(Throwable why) {
        if (this.done.compareAndSet(false, true)) {
            this.dispatcher.discardPrepared(this, why);
        }
    }
}
