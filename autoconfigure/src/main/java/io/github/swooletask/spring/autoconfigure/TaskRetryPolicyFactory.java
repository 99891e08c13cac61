package io.github.swooletask.spring.autoconfigure;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.retry.RetryPolicySettings;
import org.springframework.core.retry.RetryPolicy;

/**
 * Makes the handler invoker's {@link RetryPolicy} from {@code swoole.task.retry.*}, as Boot's
 * {@link RetryPolicySettings}, after the {@link TaskRetrySettingsCustomizer}s: an exponential
 * {@link org.springframework.util.backoff.BackOff} with optional jitter, and the exception includes and excludes.
 * Values Spring's builder would refuse fail here with the property to change.
 */
final class TaskRetryPolicyFactory {

    private static final String PREFIX = SwooleTaskProperties.PREFIX + ".retry.";

    private TaskRetryPolicyFactory() {
    }

    static RetryPolicy create(SwooleTaskProperties.Retry properties, List<TaskRetrySettingsCustomizer> customizers) {
        check(properties);
        RetryPolicySettings settings = new RetryPolicySettings();
        PropertyMapper map = PropertyMapper.get();
        map.from(properties::getMaxRetries).to(settings::setMaxRetries);
        map.from(properties::getDelay).to(settings::setDelay);
        map.from(properties::getJitter).to(settings::setJitter);
        map.from(properties::getMultiplier).to(settings::setMultiplier);
        map.from(properties::getMaxDelay).to(settings::setMaxDelay);
        map.from(properties::getIncludes).to(settings::setExceptionIncludes);
        map.from(properties::getExcludes).to(settings::setExceptionExcludes);
        for (TaskRetrySettingsCustomizer customizer : customizers) {
            customizer.customize(settings);
        }
        return settings.createRetryPolicy();
    }

    private static void check(SwooleTaskProperties.Retry properties) {
        if (properties.getMaxRetries() < 0) {
            throw invalid("max-retries", properties.getMaxRetries(), "must be 0 (no retry) or more");
        }
        if (properties.getDelay().isNegative()) {
            throw invalid("delay", properties.getDelay(), "must not be negative");
        }
        if (properties.getMultiplier() < 1.0) {
            throw invalid("multiplier", properties.getMultiplier(), "must be at least 1.0 (1.0: the same delay each time)");
        }
        if (properties.getMaxDelay().isNegative() || properties.getMaxDelay().isZero()) {
            throw invalid("max-delay", properties.getMaxDelay(), "must be positive");
        }
        Duration jitter = properties.getJitter();
        if (jitter != null && jitter.isNegative()) {
            throw invalid("jitter", jitter, "must not be negative");
        }
        if (jitter != null && !jitter.isZero() && properties.getDelay().toMillis() == 0) {
            throw invalid("jitter", jitter, "needs a delay of at least 1ms to vary (swoole.task.retry.delay is "
                    + properties.getDelay() + ")");
        }
    }

    private static InvalidConfigurationPropertyValueException invalid(String name, Object value, String problem) {
        return new InvalidConfigurationPropertyValueException(PREFIX + name, value,
                PREFIX + name + " " + problem + ", was " + value);
    }
}
