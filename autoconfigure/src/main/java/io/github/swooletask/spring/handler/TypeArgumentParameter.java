package io.github.swooletask.spring.handler;

import java.lang.reflect.Type;

import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;

/**
 * A payload parameter whose payload is the type argument of what it declares, as the converter sees it for each
 * task: a batch handler's {@code List<T>}, or a {@code Message<T>}; of type {@code T}, with the parameter's
 * annotations (so {@code @Valid} on the list or message validates each task's payload).
 */
final class TypeArgumentParameter extends MethodParameter {

    private final ResolvableType element;

    private TypeArgumentParameter(MethodParameter declared, ResolvableType element) {
        super(declared);
        this.element = element;
    }

    /**
     * The parameter of the first type argument of {@code declared}'s type ({@code List}, {@code Message}),
     * {@code Object} when raw.
     */
    static TypeArgumentParameter of(MethodParameter declared) {
        // the declared type's own argument (not Collection's E): its Type is the one written, generics and all
        ResolvableType argument = ResolvableType.forMethodParameter(declared).getGeneric(0);
        return new TypeArgumentParameter(declared, (argument == ResolvableType.NONE)
                ? ResolvableType.forClass(Object.class) : argument);
    }

    /** Whether the element type is {@code type} itself. */
    boolean isOf(Class<?> type) {
        return this.element.resolve(Object.class) == type;
    }

    @Override
    public Class<?> getParameterType() {
        return this.element.resolve(Object.class);
    }

    @Override
    public Type getGenericParameterType() {
        return this.element.getType();
    }

    @Override
    public Class<?> getNestedParameterType() {
        return getParameterType();
    }

    @Override
    public Type getNestedGenericParameterType() {
        return getGenericParameterType();
    }

    @Override
    public TypeArgumentParameter clone() {
        return new TypeArgumentParameter(this, this.element);
    }
}
