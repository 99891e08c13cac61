package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.aot.hint.annotation.SimpleReflectiveProcessor;
import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.resilience.retry.MethodRetryPredicate;

import io.github.swooletask.spring.TaskContext;

/**
 * Ahead-of-time hints for a {@code @TaskHandler} method, for native images: the method itself is invoked
 * reflectively, and its payload and return types are bound from and to JSON, so they get binding hints (their
 * constructors, fields and accessors, recursively; a batch handler's {@code List<T>} and a {@code Message<T>} as
 * {@code T}; {@code @Header} and {@code @Headers} parameters are not bound); for a {@link CompletionStage} or reactive ({@code Mono}) return
 * type, the type it completes with. The predicate class of a {@link Retryable @Retryable} on the method or its class
 * is created reflectively.
 */
public class TaskHandlerReflectiveProcessor extends SimpleReflectiveProcessor {

    private final BindingReflectionHintsRegistrar bindings = new BindingReflectionHintsRegistrar();

    @Override
    protected void registerMethodHint(ReflectionHints hints, Method method) {
        super.registerMethodHint(hints, method);
        for (int i = 0; i < method.getParameterCount(); i++) {
            // a batch handler's List<T> and a Message<T> are bound as T; contexts (List<TaskContext> too) and headers
            // are not
            MethodParameter parameter = new MethodParameter(method, i);
            if (parameter.hasParameterAnnotation(Header.class) || parameter.hasParameterAnnotation(Headers.class)) {
                continue;
            }
            ResolvableType declared = ResolvableType.forMethodParameter(method, i);
            Class<?> raw = declared.resolve(Object.class);
            ResolvableType bound = (raw == List.class || raw == Message.class) ? declared.getGeneric(0) : declared;
            if (bound.resolve(Object.class) != TaskContext.class) {
                this.bindings.registerReflectionHints(hints, bound.getType());
            }
        }
        if (CompletionStage.class.isAssignableFrom(method.getReturnType())) {
            registerResolved(hints, ResolvableType.forMethodReturnType(method).as(CompletionStage.class).getGeneric(0));
        }
        else if (ReactiveAdapterRegistry.getSharedInstance().getAdapter(method.getReturnType()) != null) {
            registerResolved(hints, ResolvableType.forMethodReturnType(method).getGeneric(0));
        }
        else if (method.getReturnType() != void.class) {
            this.bindings.registerReflectionHints(hints, method.getGenericReturnType());
        }
        Retryable retryable = HandlerRetryPolicies.declaredOn(method, method.getDeclaringClass());
        if (retryable != null && retryable.predicate() != MethodRetryPredicate.class) {
            hints.registerType(retryable.predicate(), MemberCategory.INVOKE_DECLARED_CONSTRUCTORS);
        }
    }

    /** A type seen through a type variable ({@code T} of the future): its class and its generics' classes. */
    private void registerResolved(ReflectionHints hints, ResolvableType type) {
        Class<?> resolved = type.resolve();
        if (resolved == null || resolved == Void.class) {
            return;
        }
        this.bindings.registerReflectionHints(hints, resolved);
        for (ResolvableType generic : type.getGenerics()) {
            registerResolved(hints, generic);
        }
    }
}
