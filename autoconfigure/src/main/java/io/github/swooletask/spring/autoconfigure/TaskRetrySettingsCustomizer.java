package io.github.swooletask.spring.autoconfigure;

import org.springframework.boot.retry.RetryPolicySettings;

/**
 * Customizes the retry of failed handlers: the {@link RetryPolicySettings} made from {@code swoole.task.retry.*},
 * before the handler invoker's {@link org.springframework.core.retry.RetryPolicy} is created from them. Declare
 * beans of this type (ordered) to add a predicate, change the delays, or give a factory that builds another policy
 * or {@link org.springframework.util.backoff.BackOff}. Waits between runs stay swoole-task's own, so a shutdown
 * still cuts them short.
 */
@FunctionalInterface
public interface TaskRetrySettingsCustomizer {

    /**
     * @param settings the settings from the properties, to change in place
     */
    void customize(RetryPolicySettings settings);
}
