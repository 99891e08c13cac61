package io.github.swooletask.spring.handler;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

import org.springframework.core.MethodParameter;
import org.springframework.util.ReflectionUtils;
import tools.jackson.databind.JavaType;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;

/** One {@link TaskHandler} method of one bean, ready to invoke with a task. */
public final class TaskHandlerMethod {

    private final Object bean;

    private final Method method;

    private final String route;

    private final String displayName;

    private final int payloadIndex;

    private final JavaType payloadType;

    private final int contextIndex;

    private final int parameterCount;

    TaskHandlerMethod(Object bean, Method method, String route, TaskPayloadConverter converter) {
        this.bean = bean;
        this.method = method;
        this.route = route;
        this.displayName = method.getDeclaringClass().getSimpleName() + "." + method.getName();
        this.parameterCount = method.getParameterCount();
        int payload = -1;
        int context = -1;
        for (int i = 0; i < this.parameterCount; i++) {
            if (method.getParameterTypes()[i] == TaskContext.class) {
                if (context >= 0) {
                    throw invalid("declares more than one TaskContext parameter");
                }
                context = i;
            }
            else {
                if (payload >= 0) {
                    throw invalid("declares more than one payload parameter; a handler takes one payload and an"
                            + " optional TaskContext");
                }
                payload = i;
            }
        }
        this.payloadIndex = payload;
        this.contextIndex = context;
        this.payloadType = (payload >= 0)
                ? converter.javaType(MethodParameter.forExecutable(method, payload).getGenericParameterType()) : null;
        ReflectionUtils.makeAccessible(method);
    }

    private IllegalStateException invalid(String problem) {
        return new IllegalStateException("@TaskHandler method " + this.method.toGenericString() + " " + problem);
    }

    /** The task name it takes, empty for the default handler. */
    public String route() {
        return this.route;
    }

    /** {@code SimpleClassName.method}, the {@code handler} tag of the execution timer. */
    public String displayName() {
        return this.displayName;
    }

    /** Whether the method declares a {@link TaskContext} parameter. */
    public boolean wantsContext() {
        return this.contextIndex >= 0;
    }

    public Method method() {
        return this.method;
    }

    /** The method's arguments for a task; a payload that cannot be converted is a {@link FrameRejectedException}. */
    Object[] arguments(DecodedTask task, TaskContext context, TaskPayloadConverter converter)
            throws FrameRejectedException {
        Object[] args = new Object[this.parameterCount];
        if (this.payloadIndex >= 0) {
            args[this.payloadIndex] = converter.fromPayload(task, this.payloadType);
        }
        if (this.contextIndex >= 0) {
            args[this.contextIndex] = context;
        }
        return args;
    }

    /** Calls the method; what it throws comes out unwrapped. */
    Object invoke(Object[] args) throws Exception {
        try {
            return this.method.invoke(this.bean, args);
        }
        catch (InvocationTargetException ex) {
            Throwable cause = ex.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw ex;
        }
    }

    @Override
    public String toString() {
        return this.displayName + (this.route.isEmpty() ? " (default)" : " ('" + this.route + "')");
    }
}
