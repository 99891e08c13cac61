package io.github.swooletask.spring.observation;

import java.util.Map;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.transport.ReceiverContext;
import org.jspecify.annotations.Nullable;

import io.github.swooletask.spring.handler.TaskHandlerMethod;

/**
 * The context of a {@link SwooleTaskObservation#TASK_PROCESS} observation: one run of a handler on one task. Its
 * carrier holds the fields the task's frame carried ({@code TRACED} flag), empty for a task without them (e.g. one
 * posted from PHP), which then starts a trace of its own.
 */
public class TaskReceiverContext extends ReceiverContext<Map<String, String>> {

    /** The remote service name of both sides. */
    static final String REMOTE_SERVICE_NAME = "swoole-task";

    /** The destination name of the default handler, which takes tasks without a name. */
    static final String DEFAULT_DESTINATION = "default";

    private final TaskHandlerMethod handler;

    private final int taskId;

    private final int workerId;

    private final long attempt;

    /** The default convention's high-cardinality key values, kept between the observation's start and stop. */
    @Nullable KeyValues highCardinalityKeyValues;

    /**
     * @param carrier the propagated fields the task carried, empty when none
     * @param handler the handler that runs
     * @param taskId the task's id
     * @param workerId the task worker running it
     * @param attempt which run this is, from 1
     */
    @SuppressWarnings("this-escape")
    public TaskReceiverContext(Map<String, String> carrier, TaskHandlerMethod handler, int taskId, int workerId,
            long attempt) {
        super((fields, key) -> (fields != null) ? fields.get(key) : null);
        setCarrier(carrier);
        setRemoteServiceName(REMOTE_SERVICE_NAME);
        this.handler = handler;
        this.taskId = taskId;
        this.workerId = workerId;
        this.attempt = attempt;
    }

    /** The handler that runs. */
    public TaskHandlerMethod getHandler() {
        return this.handler;
    }

    /** The task name the handler takes, or null for the default handler. */
    public @Nullable String getTaskName() {
        return this.handler.route().isEmpty() ? null : this.handler.route();
    }

    /** The messaging destination: the task name, {@code default} for the default handler. */
    public String getDestination() {
        return this.handler.route().isEmpty() ? DEFAULT_DESTINATION : this.handler.route();
    }

    public int getTaskId() {
        return this.taskId;
    }

    public int getWorkerId() {
        return this.workerId;
    }

    /** Which run of the task this is: 1 for the first, 2 for the first retry, ... */
    public long getAttempt() {
        return this.attempt;
    }
}
