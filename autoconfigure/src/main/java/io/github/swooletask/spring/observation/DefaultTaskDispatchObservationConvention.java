package io.github.swooletask.spring.observation;

import io.micrometer.common.KeyValues;

import io.github.swooletask.spring.observation.SwooleTaskObservation.DispatchHighCardinalityKeys;
import io.github.swooletask.spring.observation.SwooleTaskObservation.DispatchLowCardinalityKeys;

/**
 * The default {@link TaskDispatchObservationConvention}: name {@code swoole.task.dispatch}, span name
 * {@code publish <task name>}, {@code messaging.system=swoole-task}, {@code messaging.operation=publish},
 * {@code messaging.destination.name=<task name or default>}, and the task id as {@code messaging.message.id}
 * (high cardinality) once known.
 */
public class DefaultTaskDispatchObservationConvention implements TaskDispatchObservationConvention {

    /** The shared instance. */
    public static final DefaultTaskDispatchObservationConvention INSTANCE = new DefaultTaskDispatchObservationConvention();

    /** The name of the observation, and of its timer. */
    public static final String NAME = "swoole.task.dispatch";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(TaskSenderContext context) {
        return "publish " + context.getDestination();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(TaskSenderContext context) {
        return KeyValues.of(DispatchLowCardinalityKeys.MESSAGING_SYSTEM.withValue(TaskReceiverContext.REMOTE_SERVICE_NAME),
                DispatchLowCardinalityKeys.MESSAGING_OPERATION.withValue("publish"),
                DispatchLowCardinalityKeys.MESSAGING_DESTINATION_NAME.withValue(context.getDestination()));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(TaskSenderContext context) {
        Integer taskId = context.getTaskId();
        return (taskId != null) ? KeyValues.of(DispatchHighCardinalityKeys.MESSAGING_MESSAGE_ID.withValue(
                Integer.toString(taskId))) : KeyValues.empty();
    }
}
