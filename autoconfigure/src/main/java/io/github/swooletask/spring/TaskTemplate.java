package io.github.swooletask.spring;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;

import io.github.swooletask.dispatch.PreparedTask;
import io.github.swooletask.dispatch.TaskDispatcher;
import io.github.swooletask.spring.handler.EncodedPayload;
import io.github.swooletask.spring.handler.TaskPayloadConverter;
import io.github.swooletask.spring.observation.TaskObservations;
import io.github.swooletask.transport.QueueFullException;
import io.github.swooletask.wire.OutgoingTask;
import io.github.swooletask.wire.TaskName;

/**
 * The {@link TaskOperations} the starter configures: encodes payloads with the {@link TaskPayloadConverter}, names
 * the tasks, carries the current trace (with {@link TaskObservations}) and hands them to the {@link TaskDispatcher}.
 * A full queue surfaces as a {@link QueueFullException} whose message names the properties to change. With
 * {@link #setDispatchAfterCommit(boolean)}, a task dispatched inside a Spring-managed transaction is sent only once
 * that transaction committed, and dropped if it rolled back. Thread-safe.
 */
public class TaskTemplate implements TaskOperations {

    private final TaskDispatcher dispatcher;

    private final TaskPayloadConverter converter;

    private final Duration defaultCallTimeout;

    private final ConcurrentHashMap<String, TaskName> names = new ConcurrentHashMap<>();

    private @Nullable TaskObservations observations;

    private volatile boolean dispatchAfterCommit;

    public TaskTemplate(TaskDispatcher dispatcher, TaskPayloadConverter converter, Duration defaultCallTimeout) {
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.converter = Objects.requireNonNull(converter, "converter");
        this.defaultCallTimeout = Objects.requireNonNull(defaultCallTimeout, "defaultCallTimeout");
    }

    /** Observes every dispatch and carries its trace to the handlers (see {@link TaskObservations}). */
    public void setObservations(TaskObservations observations) {
        this.observations = observations;
    }

    /**
     * Whether a task dispatched (or called) while the thread runs in a Spring-managed transaction waits for it: sent
     * once the transaction committed, dropped when it rolled back (a call's future then fails with a
     * {@link java.util.concurrent.CancellationException}). The task id is returned at once; a send that fails after
     * the commit is logged at ERROR with the task id, since the dispatching code has returned by then. Outside a
     * transaction a dispatch is sent at once, as without this setting.
     * @throws IllegalStateException when spring-tx is not on the class path
     */
    public void setDispatchAfterCommit(boolean dispatchAfterCommit) {
        if (dispatchAfterCommit && !ClassUtils.isPresent(AfterCommitDispatch.SYNCHRONIZATION_MANAGER,
                TaskTemplate.class.getClassLoader())) {
            throw new IllegalStateException("swoole.task.dispatch-after-commit=true waits for Spring-managed"
                    + " transactions, but spring-tx is not on the class path: add the starter of your transaction"
                    + " manager (e.g. spring-boot-starter-jdbc), or set swoole.task.dispatch-after-commit=false");
        }
        this.dispatchAfterCommit = dispatchAfterCommit;
    }

    @Override
    public int dispatchTo(int workerId, @Nullable String name, Object payload) {
        Objects.requireNonNull(payload, "payload");
        EncodedPayload encoded = this.converter.encode(payload, this.dispatcher.wireFormat());
        TaskObservations.@Nullable Dispatch observation = startObservation(name);
        try {
            OutgoingTask task = task(workerId, name, encoded, observation);
            PreparedTask later = sentOnCommit(task, null);
            int taskId = (later != null) ? later.taskId() : this.dispatcher.dispatch(task);
            if (observation != null) {
                observation.dispatched(taskId);
            }
            return taskId;
        }
        catch (RuntimeException ex) {
            throw failed(observation, ex);
        }
        finally {
            stopped(observation);
        }
    }

    @Override
    public <T> CompletableFuture<T> call(@Nullable String name, Object payload) {
        return callOn(-1, name, payload, this.defaultCallTimeout);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> callOn(int workerId, @Nullable String name, Object payload, Duration timeout) {
        Objects.requireNonNull(payload, "payload");
        EncodedPayload encoded = this.converter.encode(payload, this.dispatcher.wireFormat());
        TaskObservations.@Nullable Dispatch observation = startObservation(name);
        try {
            OutgoingTask task = task(workerId, name, encoded, observation);
            PreparedTask later = sentOnCommit(task, timeout);
            return (CompletableFuture<T>) ((later != null) ? Objects.requireNonNull(later.result())
                    : this.dispatcher.call(task, timeout));
        }
        catch (RuntimeException ex) {
            throw failed(observation, ex);
        }
        finally {
            stopped(observation);
        }
    }

    /**
     * With {@link #setDispatchAfterCommit} inside a transaction: the task, prepared to go out once the transaction
     * committed; else null, for a send now.
     * @param replyTimeout for a call; null for a dispatch
     */
    private @Nullable PreparedTask sentOnCommit(OutgoingTask task, @Nullable Duration replyTimeout) {
        if (!this.dispatchAfterCommit || !AfterCommitDispatch.inTransaction()) {
            return null;
        }
        PreparedTask prepared = this.dispatcher.prepare(task, replyTimeout);
        AfterCommitDispatch.onCommit(prepared);
        return prepared;
    }

    private OutgoingTask task(int workerId, @Nullable String name, EncodedPayload encoded,
            TaskObservations.@Nullable Dispatch observation) {
        return new OutgoingTask(name(name), encoded.flags(), (observation != null) ? observation.trace() : null,
                encoded.bytes(), workerId);
    }

    private TaskObservations.@Nullable Dispatch startObservation(@Nullable String name) {
        TaskObservations observations = this.observations;
        return (observations != null) ? observations.startDispatch(name) : null;
    }

    /** Marks the observation failed; @return what to throw: a full queue's exception with its advice added. */
    private static RuntimeException failed(TaskObservations.@Nullable Dispatch observation, RuntimeException ex) {
        if (observation != null) {
            observation.failed(ex);
        }
        return (ex instanceof QueueFullException full) ? FullQueueAdvice.advise(full) : ex;
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
