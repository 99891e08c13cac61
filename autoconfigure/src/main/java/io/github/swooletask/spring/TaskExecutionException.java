package io.github.swooletask.spring;

/** A task handler threw; names the handler and the task. */
public class TaskExecutionException extends RuntimeException {

    private final String handler;

    private final int taskId;

    public TaskExecutionException(String handler, int taskId, String detail, Throwable cause) {
        super("@TaskHandler " + handler + " failed on task " + taskId + detail + ": " + cause, cause);
        this.handler = handler;
        this.taskId = taskId;
    }

    public String handler() {
        return this.handler;
    }

    public int taskId() {
        return this.taskId;
    }
}
