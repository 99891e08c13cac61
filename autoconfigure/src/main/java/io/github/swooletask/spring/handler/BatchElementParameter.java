package io.github.swooletask.spring.handler;

import java.lang.reflect.Type;

import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;

/**
 * The {@code List<T>} payload parameter of a batch handler as the converter sees it for each task: of type
 * {@code T}, with the parameter's annotations (so {@code @Valid} on the list validates each task's payload).
 */
final class BatchElementParameter extends MethodParameter {

    private final ResolvableType element;

    private BatchElementParameter(MethodParameter list, ResolvableType element) {
        super(list);
        this.element = element;
    }

    /** The element parameter of {@code list}, whose type is {@code List} ({@code Object} elements when raw). */
    static BatchElementParameter of(MethodParameter list) {
        // the List's own type argument (not Collection's E): its Type is the one written, generics and all
        ResolvableType element = ResolvableType.forMethodParameter(list).getGeneric(0);
        return new BatchElementParameter(list, (element == ResolvableType.NONE) ? ResolvableType.forClass(Object.class)
                : element);
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
    public BatchElementParameter clone() {
        return new BatchElementParameter(this, this.element);
    }
}
