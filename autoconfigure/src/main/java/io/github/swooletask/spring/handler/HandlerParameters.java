package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedMethod;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHeaders;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;

/**
 * What each parameter of a handler method receives: the task's payload (the one parameter that is none of the
 * others, or the one annotated with Spring Messaging's {@link Payload @Payload}), its {@link TaskContext}, one of
 * its {@link TaskHeaders} ({@link Header @Header}) or all of them ({@link Headers @Headers} on a {@code Map} or
 * {@link MessageHeaders}). A batch handler's parameters are {@code List}s of these, one element per task
 * ({@code @Headers} excepted: its {@code List<TaskContext>} has them).
 */
final class HandlerParameters {

    private final int count;

    /** The index of {@link #payloadParameter}, kept apart for the per-task path; -1 without one. */
    private final int payload;

    /** The payload parameter, with the annotations of the interfaces the method implements; null without one. */
    private final @Nullable MethodParameter payloadParameter;

    /** Whether a null payload is rejected: {@code @Payload}, whose {@code required} is true by default. */
    private final boolean payloadRequired;

    private final int context;

    private final int allHeaders;

    /** Whether the {@code @Headers} parameter is a {@link MessageHeaders} (with Spring's id and timestamp). */
    private final boolean messageHeaders;

    private final HeaderParameter[] headers;

    private HandlerParameters(int count, @Nullable MethodParameter payloadParameter, boolean payloadRequired,
            int context, int allHeaders, boolean messageHeaders, HeaderParameter[] headers) {
        this.count = count;
        this.payload = (payloadParameter != null) ? payloadParameter.getParameterIndex() : -1;
        this.payloadParameter = payloadParameter;
        this.payloadRequired = payloadRequired;
        this.context = context;
        this.allHeaders = allHeaders;
        this.messageHeaders = messageHeaders;
        this.headers = headers;
    }

    /**
     * @param handler names the handler in a task's rejection
     * @param invalid makes the startup failure that names the method
     */
    static HandlerParameters of(Method method, boolean batch, String handler,
            Function<String, IllegalStateException> invalid) {
        MethodParameter[] parameters = new AnnotatedMethod(method).getMethodParameters();
        int payload = -1;
        boolean payloadRequired = false;
        int context = -1;
        int allHeaders = -1;
        boolean messageHeaders = false;
        List<HeaderParameter> headers = new ArrayList<>();
        for (MethodParameter parameter : parameters) {
            int i = parameter.getParameterIndex();
            Header header = parameter.getParameterAnnotation(Header.class);
            Payload payloadAnnotation = parameter.getParameterAnnotation(Payload.class);
            if (header != null) {
                headers.add(HeaderParameter.of(parameter, header, batch, handler, invalid));
            }
            else if (parameter.hasParameterAnnotation(Headers.class)) {
                if (batch) {
                    throw invalid.apply("has a batchSize and takes @Headers; a batch handler takes the headers of its"
                            + " tasks as a List<TaskContext>, or one header as a @Header List");
                }
                Class<?> type = parameter.getParameterType();
                if (type != Map.class && type != MessageHeaders.class) {
                    throw invalid.apply("takes @Headers as a " + type.getSimpleName() + "; they come as a"
                            + " Map<String, Object> or a MessageHeaders");
                }
                if (allHeaders >= 0) {
                    throw invalid.apply("declares more than one @Headers parameter");
                }
                allHeaders = i;
                messageHeaders = type == MessageHeaders.class;
            }
            else if (payloadAnnotation == null && isContext(parameter, batch)) {
                if (context >= 0) {
                    throw invalid.apply("declares more than one TaskContext parameter");
                }
                context = i;
            }
            else {
                if (payloadAnnotation != null && (!payloadAnnotation.value().isEmpty()
                        || !payloadAnnotation.expression().isEmpty())) {
                    throw invalid.apply("has @Payload(\"" + payloadAnnotation.expression() + "\"), an expression on"
                            + " the payload, which task handlers do not evaluate: take the payload whole");
                }
                if (payload >= 0) {
                    throw invalid.apply("declares more than one payload parameter; a handler takes one payload (the"
                            + " one parameter without @Header or @Headers), an optional TaskContext and @Header"
                            + " parameters");
                }
                payload = i;
                payloadRequired = payloadAnnotation != null && payloadAnnotation.required();
            }
        }
        return new HandlerParameters(parameters.length, (payload >= 0) ? parameters[payload] : null, payloadRequired,
                context, allHeaders, messageHeaders, headers.toArray(HeaderParameter[]::new));
    }

    private static boolean isContext(MethodParameter parameter, boolean batch) {
        return batch ? TypeArgumentParameter.of(parameter).isOf(TaskContext.class)
                : parameter.getParameterType() == TaskContext.class;
    }

    int count() {
        return this.count;
    }

    /** The index of the payload parameter, -1 for a method without one. */
    int payloadIndex() {
        return this.payload;
    }

    /** The payload parameter, with the annotations of the interfaces the method implements; null without one. */
    @Nullable MethodParameter payloadParameter() {
        return this.payloadParameter;
    }

    /** Whether any parameter takes what a {@link TaskContext} holds (itself, a header, all of them). */
    boolean wantsContext() {
        return this.context >= 0 || this.allHeaders >= 0 || this.headers.length > 0;
    }

    /**
     * Checks a task's payload as read: a null one for a {@code @Payload} parameter is rejected.
     * @throws FrameRejectedException for a null payload that the parameter requires
     */
    @Nullable Object checkedPayload(int taskId, @Nullable Object payload) throws FrameRejectedException {
        if (payload == null && this.payloadRequired) {
            throw new FrameRejectedException(RejectReason.BAD_PAYLOAD, "task " + taskId + ": its payload is null,"
                    + " which @Payload refuses (@Payload(required = false) takes it)");
        }
        return payload;
    }

    /**
     * Puts the task's context, headers or header values where the method wants them.
     * @throws FrameRejectedException when the task lacks a header a parameter requires
     */
    void fill(@Nullable Object[] args, int taskId, @Nullable TaskContext context) throws FrameRejectedException {
        if (context == null) {
            return;
        }
        if (this.context >= 0) {
            args[this.context] = context;
        }
        if (this.allHeaders >= 0) {
            Map<String, Object> all = TaskHeaders.headers(context);
            args[this.allHeaders] = this.messageHeaders ? new MessageHeaders(all) : Collections.unmodifiableMap(all);
        }
        for (HeaderParameter header : this.headers) {
            args[header.index()] = header.argument(taskId, context);
        }
    }

    /**
     * Whether a task may join a batch: it has every header the method requires.
     * @throws FrameRejectedException when it lacks one
     */
    void check(int taskId, TaskContext context) throws FrameRejectedException {
        for (HeaderParameter header : this.headers) {
            header.check(taskId, context);
        }
    }

    /** A batch handler's contexts and header lists, one element per task in their order. */
    void fillBatch(@Nullable Object[] args, List<TaskContext> contexts) {
        if (this.context >= 0) {
            args[this.context] = Collections.unmodifiableList(contexts);
        }
        for (HeaderParameter header : this.headers) {
            args[header.index()] = Collections.unmodifiableList(header.arguments(contexts));
        }
    }
}
