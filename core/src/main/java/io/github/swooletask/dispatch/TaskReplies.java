package io.github.swooletask.dispatch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.worker.ReplySink;

/**
 * Futures of dispatched tasks whose caller waits for a result, keyed by task id and matched by the dispatcher's
 * tag in the frame's from id, so a task id reused by another producer never completes the wrong future. Share one
 * instance between the {@link TaskDispatcher} and the worker pool.
 */
public final class TaskReplies implements ReplySink {

    private final ConcurrentHashMap<Integer, CompletableFuture<Object>> futures = new ConcurrentHashMap<>();

    private final int tag;

    /** Replies for a dispatcher with a random tag of its own (1 to 32766). */
    public TaskReplies() {
        this.tag = 1 + ThreadLocalRandom.current().nextInt(0x7FFE);
    }

    /** The from id that marks this process's tasks. */
    public int tag() {
        return this.tag;
    }

    /** Futures still waiting. */
    public int pending() {
        return this.futures.size();
    }

    CompletableFuture<Object> register(int taskId, long timeoutNanos) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        this.futures.put(taskId, future);
        future.orTimeout(timeoutNanos, TimeUnit.NANOSECONDS).whenComplete((result, failure) -> this.futures.remove(taskId, future));
        return future;
    }

    void cancel(int taskId, Throwable failure) {
        CompletableFuture<Object> future = this.futures.remove(taskId);
        if (future != null) {
            future.completeExceptionally(failure);
        }
    }

    /**
     * A result that came from another process (a worker on another host): completes the future of task
     * {@code taskId} if this dispatcher, tagged {@code tag}, waits for it.
     */
    public void resultArrived(int taskId, int tag, @Nullable Object result) {
        if (tag == this.tag) {
            CompletableFuture<Object> future = this.futures.remove(taskId);
            if (future != null) {
                future.complete(result);
            }
        }
    }

    /** A failure that came from another process; see {@link #resultArrived}. */
    public void failureArrived(int taskId, int tag, Throwable failure) {
        if (tag == this.tag) {
            CompletableFuture<Object> future = this.futures.remove(taskId);
            if (future != null) {
                future.completeExceptionally(failure);
            }
        }
    }

    @Override
    public void completed(DecodedTask task, @Nullable Object result) {
        if (task.fromId() == this.tag) {
            CompletableFuture<Object> future = this.futures.remove(task.taskId());
            if (future != null) {
                future.complete(result);
            }
        }
    }

    @Override
    public void failed(DecodedTask task, Throwable failure) {
        if (task.fromId() == this.tag) {
            CompletableFuture<Object> future = this.futures.remove(task.taskId());
            if (future != null) {
                future.completeExceptionally(failure);
            }
        }
    }
}
