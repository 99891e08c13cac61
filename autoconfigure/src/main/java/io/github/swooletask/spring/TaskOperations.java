package io.github.swooletask.spring;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.transport.QueueFullException;

/**
 * What an application does with the task workers from Java: queue a task and go on ({@code dispatch}, returning the
 * task id), queue it for one worker in ipc-mode 2 ({@code dispatchTo}), or run it and get the handler's result
 * ({@code call}). {@link TaskTemplate} is the implementation the starter configures; inject this interface to keep
 * code and tests free of it (as {@code RabbitOperations} is to {@code RabbitTemplate}).
 *
 * <p>A task name routes the task to {@code @TaskHandler(name = "...")}; null or empty sends it to the default
 * handler. A {@code String} payload travels as UTF-8 text and a {@code byte[]} as is; any other object as the
 * {@code TaskPayloadConverter} writes it (JSON by default, PHP {@code serialize()} data in the 40-byte layouts of
 * {@code swoole.task.wire-format}). When the queue is full the configured policy applies: wait up to
 * {@code swoole.task.dispatch-timeout}, then throw {@link QueueFullException}, or throw at once. Implementations
 * are thread-safe; one implements {@link #dispatchTo(int, String, Object)}, {@link #call(String, Object)} (which
 * knows the default timeout) and {@link #callOn}, and the other methods come from those.
 */
public interface TaskOperations {

    /**
     * Queues a task for the default handler.
     * @return the task id
     * @throws QueueFullException when the queue stays full
     */
    default int dispatch(Object payload) {
        return dispatchTo(-1, null, payload);
    }

    /**
     * Queues a task for {@code @TaskHandler(name)}.
     * @param name the task name, or null for the default handler
     * @return the task id
     * @throws QueueFullException when the queue stays full
     */
    default int dispatch(@Nullable String name, Object payload) {
        return dispatchTo(-1, name, payload);
    }

    /**
     * Queues a task for the default handler on one worker (ipc-mode 2 only).
     * @param workerId the worker to run it (0-based), or -1 to let the dispatcher choose an idle one
     * @return the task id
     */
    default int dispatchTo(int workerId, Object payload) {
        return dispatchTo(workerId, null, payload);
    }

    /**
     * Queues a task.
     * @param workerId the worker to run it (ipc-mode 2 only), or -1 to let the dispatcher choose an idle one
     * @param name the task name, or null for the default handler
     * @param payload the payload
     * @return the task id
     * @throws QueueFullException when the queue stays full
     */
    int dispatchTo(int workerId, @Nullable String name, Object payload);

    /**
     * Runs a task on the default handler, waiting at most {@code swoole.task.call-timeout}.
     * @return a future of the handler's return value (see {@link #callOn})
     */
    default <T> CompletableFuture<T> call(Object payload) {
        return call(null, payload);
    }

    /**
     * Runs a task on {@code @TaskHandler(name)}, waiting at most {@code swoole.task.call-timeout}.
     * @return a future of the handler's return value (see {@link #callOn})
     */
    <T> CompletableFuture<T> call(@Nullable String name, Object payload);

    /**
     * Runs a task on {@code @TaskHandler(name)}, waiting at most {@code timeout}.
     * @return a future of the handler's return value (see {@link #callOn})
     */
    default <T> CompletableFuture<T> call(@Nullable String name, Object payload, Duration timeout) {
        return callOn(-1, name, payload, timeout);
    }

    /**
     * Runs a task and completes with the handler's return value: the same object when the handler runs in this JVM
     * (no serialization), the decoded result when it ran on another instance (Redis Streams). Completes exceptionally
     * with {@link TaskExecutionException} when the handler failed every attempt, or with a {@link TimeoutException}
     * when no result came within the timeout.
     * @param workerId the worker to run it (ipc-mode 2 only), or -1
     * @param name the task name, or null for the default handler
     * @param timeout how long to wait for the result
     * @throws QueueFullException when the queue stays full
     */
    <T> CompletableFuture<T> callOn(int workerId, @Nullable String name, Object payload, Duration timeout);
}
