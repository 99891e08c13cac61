package io.github.swooletask.spring.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations of swoole-task: one around every dispatch ({@code swoole.task.dispatch}, a producer span) and one
 * around every handler run ({@code swoole.task.execution}, a consumer span continuing the dispatch's trace). Their
 * keys follow OpenTelemetry's messaging conventions; the task id is a high-cardinality key only, so it reaches spans
 * but never a meter.
 *
 * <p>The process observation is named after the contract's execution timer on purpose: with Micrometer's
 * {@code DefaultMeterObservationHandler} (which Spring Boot registers) its timer <em>is</em> the timer
 * {@code swoole.task.execution}, tags {@code handler}, {@code result} and {@code exception} among its low-cardinality
 * keys, so enabling observation does not time a handler run twice.
 */
public enum SwooleTaskObservation implements ObservationDocumentation {

    /** A task put on the queue by {@code TaskTemplate}: {@code dispatch}, {@code call} and their variants. */
    TASK_DISPATCH {

        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultTaskDispatchObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return DispatchLowCardinalityKeys.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return DispatchHighCardinalityKeys.values();
        }
    },

    /** One run of a {@code @TaskHandler} method on a task worker; a retried task has one per attempt. */
    TASK_PROCESS {

        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultTaskProcessObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return ProcessLowCardinalityKeys.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return ProcessHighCardinalityKeys.values();
        }
    };

    /** Both observations' names start with it. */
    @Override
    public String getPrefix() {
        return "swoole.task";
    }

    /** Low-cardinality keys of {@link #TASK_DISPATCH}. */
    public enum DispatchLowCardinalityKeys implements KeyName {

        /** Always {@code swoole-task}. */
        MESSAGING_SYSTEM("messaging.system"),

        /** Always {@code publish}. */
        MESSAGING_OPERATION("messaging.operation"),

        /** The task name the dispatch routes to, {@code default} for the default handler. */
        MESSAGING_DESTINATION_NAME("messaging.destination.name");

        private final String key;

        DispatchLowCardinalityKeys(String key) {
            this.key = key;
        }

        @Override
        public String asString() {
            return this.key;
        }
    }

    /** High-cardinality keys of {@link #TASK_DISPATCH}: on spans, never on meters. */
    public enum DispatchHighCardinalityKeys implements KeyName {

        /** The task id, once the dispatcher has given one (fire-and-forget dispatches). */
        MESSAGING_MESSAGE_ID {
            @Override
            public String asString() {
                return "messaging.message.id";
            }

            @Override
            public boolean isRequired() {
                return false;
            }
        }
    }

    /** Low-cardinality keys of {@link #TASK_PROCESS}; the last three are the execution timer's contract tags. */
    public enum ProcessLowCardinalityKeys implements KeyName {

        /** Always {@code swoole-task}. */
        MESSAGING_SYSTEM("messaging.system"),

        /** Always {@code process}. */
        MESSAGING_OPERATION("messaging.operation"),

        /** The task name of the handler, {@code default} for the default handler. */
        MESSAGING_DESTINATION_NAME("messaging.destination.name"),

        /** The handler method, {@code SimpleClassName.method}. */
        HANDLER("handler"),

        /** {@code success} or {@code failure}. */
        RESULT("result"),

        /** The simple class name of what the run threw, {@code none} when it returned. */
        EXCEPTION("exception");

        private final String key;

        ProcessLowCardinalityKeys(String key) {
            this.key = key;
        }

        @Override
        public String asString() {
            return this.key;
        }
    }

    /** High-cardinality keys of {@link #TASK_PROCESS}: on spans, never on meters. */
    public enum ProcessHighCardinalityKeys implements KeyName {

        /** The task id (producers' ids may repeat: PHP clients count from 1). */
        MESSAGING_MESSAGE_ID("messaging.message.id"),

        /** Which run of the task this is: 1 for the first, 2 for the first retry, ... */
        ATTEMPT("swoole.task.attempt"),

        /** The index of the task worker that ran it. */
        WORKER("swoole.task.worker");

        private final String key;

        ProcessHighCardinalityKeys(String key) {
            this.key = key;
        }

        @Override
        public String asString() {
            return this.key;
        }
    }
}
