package io.github.swooletask.spring.observation;

import java.util.Map;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.wire.DecodedTask;

/**
 * Observes every dispatch and every handler run, so a trace goes from the dispatching thread through the queue into
 * the handler: a dispatch opens a {@link SwooleTaskObservation#TASK_DISPATCH} observation whose propagated fields
 * (e.g. {@code traceparent}) travel in the frame ({@code TRACED} flag), and each handler run is a
 * {@link SwooleTaskObservation#TASK_PROCESS} observation continuing them. A dispatch outside any trace starts one; a
 * task without fields (e.g. from PHP) starts its own. Made only when {@code swoole.task.observation.enabled} is true.
 */
public final class TaskObservations {

    private final ObservationRegistry registry;

    private final @Nullable TaskDispatchObservationConvention dispatchConvention;

    private final @Nullable TaskProcessObservationConvention processConvention;

    /**
     * @param registry where the observations go
     * @param dispatchConvention replaces {@link DefaultTaskDispatchObservationConvention}, or null
     * @param processConvention replaces {@link DefaultTaskProcessObservationConvention}, or null
     */
    public TaskObservations(ObservationRegistry registry, @Nullable TaskDispatchObservationConvention dispatchConvention,
            @Nullable TaskProcessObservationConvention processConvention) {
        this.registry = registry;
        this.dispatchConvention = dispatchConvention;
        this.processConvention = processConvention;
    }

    /** Observations with the default conventions (or the registry's global ones). */
    public TaskObservations(ObservationRegistry registry) {
        this(registry, null, null);
    }

    /**
     * A started dispatch observation; its context's carrier holds the propagated fields. Null when the registry is
     * a no-op one: nothing to observe or propagate.
     * @param name the task name, or null for the default handler
     */
    public @Nullable Dispatch startDispatch(@Nullable String name) {
        if (this.registry.isNoop()) {
            return null;
        }
        TaskSenderContext context = new TaskSenderContext(name);
        Observation observation = SwooleTaskObservation.TASK_DISPATCH
            .observation(this.dispatchConvention, DefaultTaskDispatchObservationConvention.INSTANCE, () -> context,
                    this.registry)
            .start();
        return new Dispatch(observation, context);
    }

    /**
     * Runs one attempt of a handler inside a process observation continuing the trace the task carries.
     * @param task the task
     * @param handler the handler that runs
     * @param attempt which run this is, from 1
     * @param run the handler's run
     */
    public @Nullable Object observeRun(DecodedTask task, TaskHandlerMethod handler, long attempt,
            Observation.CheckedCallable<@Nullable Object, Exception> run) throws Exception {
        if (this.registry.isNoop()) {
            return run.call();
        }
        TaskReceiverContext context = new TaskReceiverContext(TraceFields.decode(task.trace()), handler,
                task.taskId(), task.workerId(), attempt);
        return SwooleTaskObservation.TASK_PROCESS
            .observation(this.processConvention, DefaultTaskProcessObservationConvention.INSTANCE, () -> context,
                    this.registry)
            .observeChecked(run);
    }

    /** A dispatch being observed. */
    public static final class Dispatch {

        private final Observation observation;

        private final TaskSenderContext context;

        Dispatch(Observation observation, TaskSenderContext context) {
            this.observation = observation;
            this.context = context;
        }

        /** The propagated fields as frame bytes, or null when the tracing bridge set none. */
        public byte @Nullable [] trace() {
            Map<String, String> fields = this.context.getCarrier();
            return (fields != null) ? TraceFields.encode(fields) : null;
        }

        /** The dispatcher queued the task under this id. */
        public void dispatched(int taskId) {
            this.context.setTaskId(taskId);
        }

        /** The dispatch failed. */
        public void failed(Throwable failure) {
            this.observation.error(failure);
        }

        /** Ends the observation. */
        public void stop() {
            this.observation.stop();
        }
    }
}
