package io.github.swooletask.spring.observation;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

import io.micrometer.common.KeyValues;

import io.github.swooletask.spring.handler.TaskHandlerMethod;
import io.github.swooletask.spring.observation.SwooleTaskObservation.ProcessHighCardinalityKeys;
import io.github.swooletask.spring.observation.SwooleTaskObservation.ProcessLowCardinalityKeys;

/**
 * The default {@link TaskProcessObservationConvention}: name {@code swoole.task.execution} (the execution timer's),
 * span name {@code process <task name>}, {@code messaging.system=swoole-task}, {@code messaging.operation=process},
 * {@code messaging.destination.name=<task name or default>}, {@code handler}, {@code result}
 * ({@code success}/{@code failure}) and {@code exception} (simple class name or {@code none}); high cardinality:
 * {@code messaging.message.id} (the task id), {@code swoole.task.attempt} and {@code swoole.task.worker}.
 */
public class DefaultTaskProcessObservationConvention implements TaskProcessObservationConvention {

    /** The shared instance. */
    public static final DefaultTaskProcessObservationConvention INSTANCE = new DefaultTaskProcessObservationConvention();

    /** The name of the observation, and so of its timer: the contract's execution timer. */
    public static final String NAME = "swoole.task.execution";

    /** The text of 0 to 63: attempts and worker ids are small numbers. */
    private static final String[] SMALL_NUMBERS = IntStream.range(0, 64).mapToObj(Integer::toString)
        .toArray(String[]::new);

    /** Per handler (a fixed set): the contextual name, made once. */
    private final Map<TaskHandlerMethod, String> contextualNames = new ConcurrentHashMap<>();

    /** Per handler: the low-cardinality key values of a run that succeeded, made once. */
    private final Map<TaskHandlerMethod, KeyValues> successKeyValues = new ConcurrentHashMap<>();

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(TaskReceiverContext context) {
        String name = this.contextualNames.get(context.getHandler());
        if (name == null) {
            name = "process " + context.getDestination();
            this.contextualNames.putIfAbsent(context.getHandler(), name);
        }
        return name;
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(TaskReceiverContext context) {
        if (context.getError() != null) {
            return lowCardinality(context);
        }
        KeyValues keyValues = this.successKeyValues.get(context.getHandler());
        if (keyValues == null) {
            keyValues = lowCardinality(context);
            this.successKeyValues.putIfAbsent(context.getHandler(), keyValues);
        }
        return keyValues;
    }

    private static KeyValues lowCardinality(TaskReceiverContext context) {
        Throwable error = context.getError();
        return KeyValues.of(ProcessLowCardinalityKeys.MESSAGING_SYSTEM.withValue(TaskReceiverContext.REMOTE_SERVICE_NAME),
                ProcessLowCardinalityKeys.MESSAGING_OPERATION.withValue("process"),
                ProcessLowCardinalityKeys.MESSAGING_DESTINATION_NAME.withValue(context.getDestination()),
                ProcessLowCardinalityKeys.HANDLER.withValue(context.getHandler().displayName()),
                ProcessLowCardinalityKeys.RESULT.withValue((error != null) ? "failure" : "success"),
                ProcessLowCardinalityKeys.EXCEPTION.withValue((error != null) ? exceptionName(error) : "none"));
    }

    /**
     * Made once per run: an observation asks at its start and again at its stop, and none of these values changes
     * in between.
     */
    @Override
    public KeyValues getHighCardinalityKeyValues(TaskReceiverContext context) {
        KeyValues keyValues = context.highCardinalityKeyValues;
        if (keyValues == null) {
            keyValues = KeyValues.of(
                    ProcessHighCardinalityKeys.MESSAGING_MESSAGE_ID.withValue(Integer.toString(context.getTaskId())),
                    ProcessHighCardinalityKeys.ATTEMPT.withValue(decimal(context.getAttempt())),
                    ProcessHighCardinalityKeys.WORKER.withValue(decimal(context.getWorkerId())));
            context.highCardinalityKeyValues = keyValues;
        }
        return keyValues;
    }

    private static String decimal(long n) {
        return (n >= 0 && n < SMALL_NUMBERS.length) ? SMALL_NUMBERS[(int) n] : Long.toString(n);
    }

    /** The simple class name, or the full one for a class without a simple name; as the execution timer's tag. */
    static String exceptionName(Throwable error) {
        String name = error.getClass().getSimpleName();
        return name.isEmpty() ? error.getClass().getName() : name;
    }
}
