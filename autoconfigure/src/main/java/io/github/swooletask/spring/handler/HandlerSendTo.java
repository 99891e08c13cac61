package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.messaging.handler.annotation.SendTo;

import io.github.swooletask.wire.TaskName;

/**
 * The task name a handler's results go on as: Spring's {@link SendTo} on the handler method, else on its class, with
 * its {@code ${...}} placeholders and {@code #{...}} expressions resolved at startup; a value with {@code !{...}} is
 * left for {@link SendToExpression} to evaluate per result. A {@code @SendTo} that names no task, several, or a name
 * no task can have fails the startup, naming the method.
 */
final class HandlerSendTo {

    private HandlerSendTo() {
    }

    /** The resolved task name, or null when neither the method nor the class has {@code @SendTo}. */
    static @Nullable String find(TaskHandlerAttributeResolver attributes, Method method, Class<?> targetClass) {
        SendTo sendTo = AnnotatedElementUtils.findMergedAnnotation(method, SendTo.class);
        if (sendTo == null) {
            sendTo = AnnotatedElementUtils.findMergedAnnotation(targetClass, SendTo.class);
        }
        if (sendTo == null) {
            return null;
        }
        String[] values = sendTo.value();
        if (values.length > 1) {
            throw invalid(method, "has @SendTo with " + values.length + " names, but a result goes on as one task:"
                    + " give one name");
        }
        String written = (values.length == 1) ? values[0].trim() : "";
        if (written.isEmpty()) {
            throw invalid(method, "has @SendTo without a task name: give the name of the task its result becomes,"
                    + " @SendTo(\"name\")");
        }
        Object resolved = attributes.resolveValue(written, method, "@SendTo");
        String name = (resolved != null) ? resolved.toString().trim() : "";
        if (SendToExpression.isExpression(name)) {
            return name;
        }
        try {
            return TaskName.of(name).name();
        }
        catch (IllegalArgumentException ex) {
            throw invalid(method, "has @SendTo(\"" + written + "\"), which is no task name: " + ex.getMessage());
        }
    }

    private static IllegalStateException invalid(Method method, String problem) {
        return new IllegalStateException("@TaskHandler method " + method.toGenericString() + " " + problem);
    }
}
