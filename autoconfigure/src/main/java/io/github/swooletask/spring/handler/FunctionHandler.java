package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;
import org.springframework.util.ReflectionUtils;

/**
 * The bean of a {@link TaskHandlerEndpoint#function function handler}: one method, {@link #HANDLE}, that applies the
 * function to the payload, whose parameter the converter sees as the function's payload type.
 */
final class FunctionHandler {

    /** The method the workers invoke. */
    static final Method HANDLE = ReflectionUtils.findMethod(FunctionHandler.class, "handle", Object.class);

    private final Function<Object, ?> function;

    @SuppressWarnings("unchecked")
    FunctionHandler(Function<?, ?> function) {
        this.function = (Function<Object, ?>) function;
    }

    @Nullable Object handle(Object payload) {
        return this.function.apply(payload);
    }

    /** {@link #HANDLE}'s parameter as the type the function takes. */
    static MethodParameter payloadParameter(Class<?> type) {
        return new PayloadParameter(type);
    }

    private static final class PayloadParameter extends MethodParameter {

        private final Class<?> type;

        PayloadParameter(Class<?> type) {
            super(HANDLE, 0);
            this.type = type;
        }

        @Override
        public Class<?> getParameterType() {
            return this.type;
        }

        @Override
        public Type getGenericParameterType() {
            return this.type;
        }

        @Override
        public Class<?> getNestedParameterType() {
            return this.type;
        }

        @Override
        public Type getNestedGenericParameterType() {
            return this.type;
        }

        @Override
        public PayloadParameter clone() {
            return new PayloadParameter(this.type);
        }
    }
}
