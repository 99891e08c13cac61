package io.github.swooletask.spring;

/**
 * Last stop of a task whose handler failed after every retry. The default keeps it in the dead-letter directory;
 * declare a bean of this type to do something else (publish it, alert, drop it knowingly).
 */
@FunctionalInterface
public interface TaskRecoverer {

    /**
     * @return a short note for the error log, e.g. where the task was kept
     */
    String recover(FailedTask task) throws Exception;
}
