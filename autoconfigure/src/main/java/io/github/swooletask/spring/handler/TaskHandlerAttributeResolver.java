package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.util.Locale;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanExpressionContext;
import org.springframework.beans.factory.config.BeanExpressionResolver;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.annotation.MergedAnnotation;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.worker.ReservedWorkers;

/**
 * Turns the merged {@link TaskHandler} annotation of a method into its {@link TaskHandlerAttributes}: resolves
 * {@code ${...}} placeholders and {@code #{...}} expressions in every attribute through the bean factory, defaults
 * the id and the auto-startup, checks concurrency and auto-startup, and adds the task name of the method's (or
 * class's) {@code @SendTo}, failing with a message that names the method. Without a bean factory attributes are
 * taken as written.
 */
final class TaskHandlerAttributeResolver {

    private final @Nullable ConfigurableBeanFactory beanFactory;

    private final @Nullable BeanExpressionContext expressionContext;

    private final boolean defaultAutoStartup;

    /**
     * @param beanFactory resolves placeholders and expressions, or null to take attributes as written
     * @param defaultAutoStartup what a handler without an {@code autoStartup} of its own gets
     */
    TaskHandlerAttributeResolver(@Nullable ConfigurableBeanFactory beanFactory, boolean defaultAutoStartup) {
        this.beanFactory = beanFactory;
        this.expressionContext = (beanFactory != null) ? new BeanExpressionContext(beanFactory, null) : null;
        this.defaultAutoStartup = defaultAutoStartup;
    }

    /**
     * @param annotation the method's {@code @TaskHandler}, merged from the annotations it is on
     * @param targetClass the bean's class, whose {@code @SendTo} counts when the method has none
     * @param defaultId the id when the annotation names none
     */
    TaskHandlerAttributes resolve(MergedAnnotation<TaskHandler> annotation, Method method, Class<?> targetClass,
            String defaultId) {
        String route = text(resolveValue(annotation.getString("name"), method, "name"));
        String id = text(resolveValue(annotation.getString("id"), method, "id"));
        int concurrency = concurrency(resolveValue(annotation.getString("concurrency"), method, "concurrency"),
                method, annotation.getString("concurrency"));
        boolean autoStartup = autoStartup(resolveValue(annotation.getString("autoStartup"), method, "autoStartup"),
                method, annotation.getString("autoStartup"));
        int batchSize = batchSize(resolveValue(annotation.getString("batchSize"), method, "batchSize"), method,
                annotation.getString("batchSize"));
        return new TaskHandlerAttributes(id.isEmpty() ? defaultId : id, route, concurrency, autoStartup,
                HandlerSendTo.find(this, method, targetClass), batchSize);
    }

    /**
     * One attribute value with its placeholders and expressions resolved (an expression's value as it is, e.g. an
     * {@code Integer}); a value that cannot be resolved fails naming the method and the attribute.
     */
    @Nullable Object resolveValue(String value, Method method, String attribute) {
        ConfigurableBeanFactory beanFactory = this.beanFactory;
        if (beanFactory == null || value.isEmpty()) {
            return value;
        }
        try {
            String resolved = beanFactory.resolveEmbeddedValue(value);
            BeanExpressionResolver expressions = beanFactory.getBeanExpressionResolver();
            return (expressions != null && resolved != null)
                    ? expressions.evaluate(resolved, this.expressionContext) : resolved;
        }
        catch (RuntimeException ex) {
            throw new IllegalStateException("@TaskHandler method " + method.toGenericString() + ": cannot resolve its "
                    + attribute + " '" + value + "': " + ex.getMessage(), ex);
        }
    }

    private static String text(@Nullable Object value) {
        return (value != null) ? value.toString().trim() : "";
    }

    private static int concurrency(@Nullable Object value, Method method, String written) {
        if (value instanceof Integer number && number >= 0) {
            return number;
        }
        String text = text(value);
        if (text.isEmpty()) {
            return 0;
        }
        try {
            int workers = Integer.parseInt(text);
            if (workers >= 0) {
                return workers;
            }
        }
        catch (NumberFormatException ex) {
            // reported below, with what was written
        }
        throw new IllegalStateException("@TaskHandler method " + method.toGenericString() + " has concurrency '"
                + text + "'" + from(written, text) + ": give the number of workers reserved for it (1 or more), or"
                + " leave it empty (or 0) for the shared workers of swoole.task.worker-num");
    }

    private static int batchSize(@Nullable Object value, Method method, String written) {
        String text = text(value);
        if (text.isEmpty()) {
            return 1;
        }
        try {
            int size = Integer.parseInt(text);
            if (size >= 1 && size <= ReservedWorkers.MAX_BATCH_SIZE) {
                return size;
            }
        }
        catch (NumberFormatException ex) {
            // reported below, with what was written
        }
        throw new IllegalStateException("@TaskHandler method " + method.toGenericString() + " has batchSize '" + text
                + "'" + from(written, text) + ": give the most tasks it takes at once, 1 to "
                + ReservedWorkers.MAX_BATCH_SIZE + ", or leave it empty for one at a time");
    }

    private boolean autoStartup(@Nullable Object value, Method method, String written) {
        if (value instanceof Boolean flag) {
            return flag;
        }
        String text = text(value);
        if (text.isEmpty()) {
            return this.defaultAutoStartup;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalStateException("@TaskHandler method " + method.toGenericString()
                    + " has autoStartup '" + text + "'" + from(written, text) + ": give true or false, or leave it"
                    + " empty to follow swoole.task.auto-startup");
        };
    }

    private static String from(String written, String resolved) {
        return written.trim().equals(resolved) ? "" : " (from '" + written + "')";
    }
}
