package io.github.swooletask.spring.handler;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.support.DefaultConversionService;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.ValueConstants;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHeaders;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;

/**
 * A handler parameter annotated with Spring Messaging's {@link Header @Header}: one of the {@link TaskHeaders} of
 * each task, converted to the parameter's type by Spring's conversion service (a batch handler's {@code List<T>}
 * gets one per task, each as {@code T}). Its name, type and default are checked at startup; a task without a
 * required header is rejected ({@code bad-payload}).
 */
final class HeaderParameter {

    private static final ConversionService CONVERSION = DefaultConversionService.getSharedInstance();

    private final int index;

    private final String name;

    private final boolean required;

    private final @Nullable Object defaultValue;

    private final TypeDescriptor source;

    private final TypeDescriptor target;

    private final String handler;

    private HeaderParameter(int index, String name, boolean required, @Nullable Object defaultValue,
            TypeDescriptor source, TypeDescriptor target, String handler) {
        this.index = index;
        this.name = name;
        this.required = required;
        this.defaultValue = defaultValue;
        this.source = source;
        this.target = target;
        this.handler = handler;
    }

    /**
     * @param batch whether the parameter is a batch handler's, a {@code List} of the header's values
     * @param invalid makes the startup failure that names the method
     */
    static HeaderParameter of(MethodParameter parameter, Header header, boolean batch, String handler,
            Function<String, IllegalStateException> invalid) {
        String name = !header.name().isEmpty() ? header.name() : header.value();
        if (name.isEmpty()) {
            parameter.initParameterNameDiscovery(new DefaultParameterNameDiscoverer());
            name = (parameter.getParameterName() != null) ? parameter.getParameterName() : "";
        }
        Class<?> type = TaskHeaders.names().get(name);
        if (type == null) {
            throw invalid.apply("takes @Header(\"" + name + "\"), which tasks do not have; their headers are "
                    + String.join(", ", TaskHeaders.names().keySet()) + " (TaskHeaders' constants)");
        }
        TypeDescriptor target = new TypeDescriptor(batch ? TypeArgumentParameter.of(parameter) : parameter);
        TypeDescriptor source = TypeDescriptor.valueOf(type);
        String declared = "@Header(\"" + name + "\") " + target.getType().getSimpleName();
        if (!CONVERSION.canConvert(source, target)) {
            throw invalid.apply("takes " + declared + ", but its values are " + type.getSimpleName()
                    + "s, which cannot be converted to that");
        }
        boolean hasDefault = !ValueConstants.DEFAULT_NONE.equals(header.defaultValue());
        Object defaultValue = null;
        if (hasDefault) {
            try {
                defaultValue = CONVERSION.convert(header.defaultValue(), TypeDescriptor.valueOf(String.class),
                        target);
            }
            catch (RuntimeException ex) {
                throw invalid.apply("takes " + declared + " with defaultValue '" + header.defaultValue()
                        + "', which cannot be converted to that: " + ex.getMessage());
            }
        }
        boolean required = header.required() && !hasDefault;
        if (!required && !hasDefault && target.isPrimitive()) {
            throw invalid.apply("takes " + declared + " with required = false, but a primitive cannot be absent:"
                    + " take its wrapper type (" + target.getObjectType().getSimpleName() + ") or give a defaultValue");
        }
        return new HeaderParameter(parameter.getParameterIndex(), name, required, defaultValue, source, target,
                handler);
    }

    /** The index of the parameter in the method's. */
    int index() {
        return this.index;
    }

    /**
     * The argument for one task.
     * @throws FrameRejectedException when the task has no such header and the parameter requires it
     */
    @Nullable Object argument(int taskId, TaskContext context) throws FrameRejectedException {
        check(taskId, context);
        return converted(context);
    }

    /** Whether the task has the header, or the parameter takes tasks without it. */
    void check(int taskId, TaskContext context) throws FrameRejectedException {
        if (this.required && TaskHeaders.value(context, this.name) == null) {
            throw missing(taskId);
        }
    }

    /** A batch handler's argument: the header of each task, in their order. */
    List<@Nullable Object> arguments(List<TaskContext> contexts) {
        List<@Nullable Object> values = new ArrayList<>(contexts.size());
        for (TaskContext context : contexts) {
            values.add(converted(context));
        }
        return values;
    }

    /** The task's header as the parameter's type, or the default (null without one) when it has none. */
    private @Nullable Object converted(TaskContext context) {
        Object value = TaskHeaders.value(context, this.name);
        return (value != null) ? CONVERSION.convert(value, this.source, this.target) : this.defaultValue;
    }

    private FrameRejectedException missing(int taskId) {
        return new FrameRejectedException(RejectReason.BAD_PAYLOAD, "task " + taskId + ": it has no " + this.name
                + " header, which " + this.handler + " requires (@Header(required = false) or a defaultValue takes"
                + " tasks without it)");
    }
}
