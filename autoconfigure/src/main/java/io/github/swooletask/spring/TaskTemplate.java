package io.github.swooletask.spring;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.spring.handler.TaskPayloadConverter;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskName;

/**
 * Dispatches tasks to the task workers from Java: fire-and-forget ({@code dispatch}, returning the task id), to a
 * chosen worker in ipc-mode 2 ({@code dispatchTo}), or with the handler's result ({@code call}, a
 * {@link CompletableFuture} that fails with a {@link java.util.concurrent.TimeoutException} after the timeout).
 *
 * <p>A {@code String} payload travels as UTF-8 text and a {@code byte[]} as is; any other object as JSON, or, with
 * {@code swoole.task.wire-format} set to one of Swoole 4.8+'s 40-byte layouts, as PHP {@code serialize()} data for
 * Swoole's PHP task workers (which read no task names: a named dispatch is refused there). A task
 * name routes the task to {@code @TaskHandler("name")}; without one it goes to the default handler. When the queue
 * is full the configured policy applies: wait up to {@code swoole.task.dispatch-timeout}, then throw
 * {@link QueueFullException}, or throw at once. Thread-safe.
 */
public class TaskTemplate {

    private final TaskDispatcher dispatcher;

    private final TaskPayloadConverter converter;

    private final Duration defaultCallTimeout;

    private final ConcurrentHashMap<String, TaskName> names = new ConcurrentHashMap<>();

    private @Nullable TaskObservations observations;

    public TaskTemplate(TaskDispatcher dispatcher, TaskPayloadConverter converter, Duration defaultCallTimeout) {
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.converter = Objects.requireNonNull(converter, "converter");
        this.defaultCallTimeout = Objects.requireNonNull(defaultCallTimeout, "defaultCallTimeout");
    }

    /** Observes every dispatch and carries its trace to the handlers (see {@link TaskObservations}). */
    public void setObservations(TaskObservations observations) {
        this.observations = observations;
    }

    /** Queues a task for the default handler; returns its id. */
    public int dispatch(Object payload) {
        return dispatchTo(-1, null, payload);
    }

    /** Queues a task for {@code @TaskHandler(name)}; returns its id. */
    public int dispatch(@Nullable String name, Object payload) {
        return dispatchTo(-1, name, payload);
    }

    /** Queues a task for the default handler on worker {@code workerId} (ipc-mode 2 only); returns its id. */
    public int dispatchTo(int workerId, Object payload) {
        return dispatchTo(workerId, null, payload);
    }

    /**
     * Queues a task.
     * @param workerId the worker to run it (ipc-mode 2 only), or -1 to let the dispatcher choose an idle one
     * @param name the task name, or null for the default handler
     * @param payload the payload
     * @return the task id
     */
    public int dispatchTo(int workerId, @Nullable String name, Object payload) {
        Objects.requireNonNull(payload, "payload");
        byte[] bytes = this.converter.toBytes(payload, this.dispatcher.wireFormat());
        TaskObservations.@Nullable Dispatch observation = startObservation(name);
        try {
            int taskId = this.dispatcher.dispatch(task(workerId, name, payload, bytes, observation));
            if (observation != null) {
                observation.dispatched(taskId);
            }
            return taskId;
        }
        catch (QueueFullException ex) {
            failed(observation, ex);
            throw FullQueueAdvice.advise(ex);
        }
        catch (RuntimeException ex) {
            failed(observation, ex);
            throw ex;
        }
        finally {
            stopped(observation);
        }
    }

    /** Runs a task on the default handler and completes with its return value. */
    public <T> CompletableFuture<T> call(Object payload) {
        return callOn(-1, null, payload, this.defaultCallTimeout);
    }

    /** Runs a task on {@code @TaskHandler(name)} and completes with its return value. */
    public <T> CompletableFuture<T> call(@Nullable String name, Object payload) {
        return callOn(-1, name, payload, this.defaultCallTimeout);
    }

    /** Like {@link #call(String, Object)} with its own timeout. */
    public <T> CompletableFuture<T> call(@Nullable String name, Object payload, Duration timeout) {
        return callOn(-1, name, payload, timeout);
    }

    /**
     * Runs a task and completes with the handler's return value (the same object: no serialization, handler and
     * caller share this JVM), or exceptionally with the handler's exception or a timeout.
     * @param workerId the worker to run it (ipc-mode 2 only), or -1
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> callOn(int workerId, @Nullable String name, Object payload, Duration timeout) {
        Objects.requireNonNull(payload, "payload");
        byte[] bytes = this.converter.toBytes(payload, this.dispatcher.wireFormat());
        TaskObservations.@Nullable Dispatch observation = startObservation(name);
        try {
            return (CompletableFuture<T>) this.dispatcher.call(task(workerId, name, payload, bytes, observation),
                    timeout);
        }
        catch (QueueFullException ex) {
            failed(observation, ex);
            throw FullQueueAdvice.advise(ex);
        }
        catch (RuntimeException ex) {
            failed(observation, ex);
            throw ex;
        }
        finally {
            stopped(observation);
        }
    }

    private OutgoingTask task(int workerId, @Nullable String name, Object payload, byte[] bytes,
            TaskObservations.@Nullable Dispatch observation) {
        return new OutgoingTask(name(name), this.converter.flagsFor(payload, this.dispatcher.wireFormat()),
                (observation != null) ? observation.trace() : null, bytes, workerId);
    }

    private TaskObservations.@Nullable Dispatch startObservation(@Nullable String name) {
        TaskObservations observations = this.observations;
        return (observations != null) ? observations.startDispatch(name) : null;
    }

    private static void failed(TaskObservations.@Nullable Dispatch observation, RuntimeException ex) {
        if (observation != null) {
            observation.failed(ex);
        }
    }

    private static void stopped(TaskObservations.@Nullable Dispatch observation) {
        if (observation != null) {
            observation.stop();
        }
    }

    private @Nullable TaskName name(@Nullable String name) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        TaskName known = this.names.get(name);
        return (known != null) ? known : this.names.computeIfAbsent(name, TaskName::of);
    }
}
