package io.github.swooletask.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and keys of the {@link SwooleTaskObservation#TASK_DISPATCH} observation; declare a bean of this type to
 * replace {@link DefaultTaskDispatchObservationConvention}.
 */
public interface TaskDispatchObservationConvention extends ObservationConvention<TaskSenderContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof TaskSenderContext;
    }
}
