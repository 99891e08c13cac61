package io.github.swooletask.spring.observation;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.observation.transport.SenderContext;
import org.jspecify.annotations.Nullable;

/**
 * The context of a {@link SwooleTaskObservation#TASK_DISPATCH} observation. Its carrier collects the fields a
 * tracing bridge propagates (e.g. {@code traceparent}) when the observation starts; they travel in the frame with
 * the {@code TRACED} flag.
 */
public class TaskSenderContext extends SenderContext<Map<String, String>> {

    private final @Nullable String taskName;

    private @Nullable Integer taskId;

    /**
     * @param taskName the task name dispatched to, or null for the default handler
     */
    @SuppressWarnings("this-escape")
    public TaskSenderContext(@Nullable String taskName) {
        super((carrier, key, value) -> {
            if (carrier != null) {
                carrier.put(key, value);
            }
        });
        setCarrier(new LinkedHashMap<>());
        setRemoteServiceName(TaskReceiverContext.REMOTE_SERVICE_NAME);
        this.taskName = (taskName == null || taskName.isEmpty()) ? null : taskName;
    }

    /** The task name dispatched to, or null for the default handler. */
    public @Nullable String getTaskName() {
        return this.taskName;
    }

    /** The messaging destination: the task name, {@code default} for the default handler. */
    public String getDestination() {
        return (this.taskName != null) ? this.taskName : TaskReceiverContext.DEFAULT_DESTINATION;
    }

    /** The id of the dispatched task, once the dispatcher gave one; null before, and for calls. */
    public @Nullable Integer getTaskId() {
        return this.taskId;
    }

    /** Records the id the dispatcher gave the task. */
    public void setTaskId(int taskId) {
        this.taskId = taskId;
    }
}
