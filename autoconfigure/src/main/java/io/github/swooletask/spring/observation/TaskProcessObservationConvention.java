package io.github.swooletask.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and keys of the {@link SwooleTaskObservation#TASK_PROCESS} observation; declare a bean of this type to
 * replace {@link DefaultTaskProcessObservationConvention}. With observation enabled its name and low-cardinality
 * keys are those of the execution timer: keep {@code swoole.task.execution} and the keys {@code handler},
 * {@code result}, {@code exception} (extending the default does) unless you mean to change that meter.
 */
public interface TaskProcessObservationConvention extends ObservationConvention<TaskReceiverContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof TaskReceiverContext;
    }
}
