package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.framework.Advised;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.format.annotation.DurationFormat;
import org.springframework.format.datetime.standard.DurationFormatterUtils;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.resilience.retry.AbstractRetryInterceptor;
import org.springframework.resilience.retry.MethodRetryPredicate;
import org.springframework.util.ReflectionUtils;

/**
 * The retry a handler declares with Spring Framework's {@link Retryable @Retryable}, on its method or else on its
 * class: the attributes Spring's resilient methods read (includes, excludes, predicate, maxRetries, timeout, delay,
 * jitter, multiplier, maxDelay, their {@code String} forms with {@code ${...}} and {@code #{...}}, timeUnit) as a
 * {@link RetryPolicy} that the {@link TaskHandlerInvoker} applies to that handler instead of
 * {@code swoole.task.retry.*}. A bean that is already a proxy retrying {@code @Retryable} methods itself
 * ({@code @EnableResilientMethods}) retries within each run, so its handlers get a policy of no retries. Values
 * that cannot be read fail the startup, naming the method.
 */
final class HandlerRetryPolicies {

    private static final Logger logger = LoggerFactory.getLogger(HandlerRetryPolicies.class);

    private final TaskHandlerAttributeResolver values;

    private final @Nullable AutowireCapableBeanFactory beanFactory;

    /**
     * @param values resolves the placeholders and expressions of the {@code String} attributes
     * @param beanFactory creates predicate classes as beans (autowired), or null to call their no-argument
     * constructor
     */
    HandlerRetryPolicies(TaskHandlerAttributeResolver values, @Nullable AutowireCapableBeanFactory beanFactory) {
        this.values = values;
        this.beanFactory = beanFactory;
    }

    /**
     * @param bean the bean the handler is invoked on (perhaps a proxy)
     * @param method the handler method, as declared on {@code targetClass}
     * @return the handler's own policy, or null when neither the method nor its class is {@code @Retryable}
     */
    @Nullable RetryPolicy find(Object bean, Method method, Class<?> targetClass) {
        Retryable retryable = declaredOn(method, targetClass);
        if (retryable == null) {
            return null;
        }
        if (retriesItself(bean)) {
            logger.info("@TaskHandler {}.{} is @Retryable on a bean whose proxy retries it (resilient methods are"
                    + " enabled): the proxy's retries are one handler run, so swoole-task does not retry it again and"
                    + " gives the task to the recoverer once the proxy gives up", targetClass.getSimpleName(),
                    method.getName());
            return RetryPolicy.withMaxRetries(0);
        }
        try {
            return policy(retryable, method);
        }
        catch (IllegalArgumentException ex) {
            // what Spring's builder refuses (a multiplier under 1, a negative delay...)
            throw new IllegalStateException("@TaskHandler method " + method.toGenericString() + ": its @Retryable is"
                    + " not valid: " + ex.getMessage(), ex);
        }
    }

    private RetryPolicy policy(Retryable retryable, Method method) {
        TimeUnit unit = retryable.timeUnit();
        RetryPolicy.Builder builder = RetryPolicy.builder()
            .includes(Arrays.asList(retryable.includes()))
            .excludes(Arrays.asList(retryable.excludes()))
            .maxRetries(whole(retryable.maxRetries(), retryable.maxRetriesString(), method, "maxRetriesString"))
            .delay(duration(retryable.delay(), retryable.delayString(), unit, method, "delayString"))
            .jitter(duration(retryable.jitter(), retryable.jitterString(), unit, method, "jitterString"))
            .multiplier(number(retryable.multiplier(), retryable.multiplierString(), method, "multiplierString"))
            .maxDelay(duration(retryable.maxDelay(), retryable.maxDelayString(), unit, method, "maxDelayString"));
        Duration timeout = duration(retryable.timeout(), retryable.timeoutString(), unit, method, "timeoutString");
        if (!timeout.isZero()) {
            builder.timeout(timeout);
        }
        if (retryable.predicate() != MethodRetryPredicate.class) {
            builder.predicate(predicate(retryable.predicate(), method).forMethod(method));
        }
        return builder.build();
    }

    /** The {@code @Retryable} a handler method declares, or else its class, or null. */
    static @Nullable Retryable declaredOn(Method method, Class<?> targetClass) {
        Retryable retryable = AnnotatedElementUtils.findMergedAnnotation(method, Retryable.class);
        return (retryable != null) ? retryable
                : AnnotatedElementUtils.findMergedAnnotation(targetClass, Retryable.class);
    }

    /** Whether the bean is a proxy with Spring's retry interceptor, which runs {@code @Retryable} methods again. */
    private static boolean retriesItself(Object bean) {
        return (bean instanceof Advised advised) && Arrays.stream(advised.getAdvisors())
            .anyMatch((advisor) -> advisor.getAdvice() instanceof AbstractRetryInterceptor);
    }

    private long whole(long value, String written, Method method, String attribute) {
        Object resolved = resolve(written, method, attribute);
        if (resolved == null) {
            return value;
        }
        if (resolved instanceof Integer || resolved instanceof Long) {
            return ((Number) resolved).longValue();
        }
        try {
            return Long.parseLong(resolved.toString().trim());
        }
        catch (NumberFormatException ex) {
            throw invalid(method, attribute + " '" + resolved + "'" + from(written, resolved)
                    + " is not a whole number");
        }
    }

    private double number(double value, String written, Method method, String attribute) {
        Object resolved = resolve(written, method, attribute);
        if (resolved == null) {
            return value;
        }
        if (resolved instanceof Number number) {
            return number.doubleValue();
        }
        try {
            return Double.parseDouble(resolved.toString().trim());
        }
        catch (NumberFormatException ex) {
            throw invalid(method, attribute + " '" + resolved + "'" + from(written, resolved) + " is not a number");
        }
    }

    private Duration duration(long value, String written, TimeUnit unit, Method method, String attribute) {
        Object resolved = resolve(written, method, attribute);
        if (resolved == null) {
            return Duration.of(value, unit.toChronoUnit());
        }
        if (resolved instanceof Duration duration) {
            return duration;
        }
        if (resolved instanceof Integer || resolved instanceof Long) {
            return Duration.of(((Number) resolved).longValue(), unit.toChronoUnit());
        }
        try {
            return DurationFormatterUtils.detectAndParse(resolved.toString().trim(),
                    DurationFormat.Unit.fromChronoUnit(unit.toChronoUnit()));
        }
        catch (IllegalArgumentException | DateTimeParseException ex) {
            throw invalid(method, attribute + " '" + resolved + "'" + from(written, resolved)
                    + " is not a duration (such as 500, in the annotation's timeUnit, 500ms, 2s or PT2S)");
        }
    }

    /** The attribute resolved, or null when it is not written (the annotation's number then counts). */
    private @Nullable Object resolve(String written, Method method, String attribute) {
        if (written.isBlank()) {
            return null;
        }
        Object resolved = this.values.resolveValue(written, method, "@Retryable " + attribute);
        return (resolved == null || resolved.toString().isBlank()) ? null : resolved;
    }

    private MethodRetryPredicate predicate(Class<? extends MethodRetryPredicate> type, Method method) {
        try {
            AutowireCapableBeanFactory factory = this.beanFactory;
            return (factory != null) ? factory.createBean(type)
                    : ReflectionUtils.accessibleConstructor(type).newInstance();
        }
        catch (Exception ex) {
            throw new IllegalStateException("@TaskHandler method " + method.toGenericString() + ": cannot create its"
                    + " @Retryable predicate " + type.getName() + ": " + ex.getMessage(), ex);
        }
    }

    private static String from(String written, Object resolved) {
        return written.trim().equals(resolved.toString().trim()) ? "" : " (from '" + written + "')";
    }

    private static IllegalStateException invalid(Method method, String problem) {
        return new IllegalStateException("@TaskHandler method " + method.toGenericString() + ": its @Retryable "
                + problem);
    }
}
