package io.github.swooletask.spring.handler;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.MethodParameter;
import org.springframework.validation.DirectFieldBindingResult;
import org.springframework.validation.Errors;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;
import org.springframework.validation.SmartValidator;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.ValidationAnnotationUtils;

import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;

/**
 * Validates a handler's payload argument when its parameter asks for it: {@code @Valid}, Spring's
 * {@code @Validated} (its groups become the validation hints) or an annotation of its own whose name starts with
 * "Valid", as Spring MVC reads them. A payload that fails is rejected as {@link RejectReason#BAD_PAYLOAD} (never
 * retried) with every violation in the message; a parameter that asks for validation in an application without a
 * {@link Validator} fails the startup.
 */
final class PayloadValidation {

    /** For an application without validators: asking for one fails, saying what to add. */
    static final Supplier<Validator> NONE = () -> {
        throw new IllegalStateException("the application has no Validator bean: add spring-boot-starter-validation"
                + " (or declare an org.springframework.validation.Validator bean)");
    };

    private PayloadValidation() {
    }

    /**
     * The application's validator for payloads, looked up when a handler first asks: the only
     * {@link Validator} bean, or the {@code @Primary} one; asking fails, saying what to change, when there is
     * none or several without a primary.
     */
    static Supplier<Validator> fromBeans(ObjectProvider<Validator> validators) {
        return () -> {
            Validator validator = validators.getIfUnique();
            if (validator != null) {
                return validator;
            }
            long count = validators.stream().count();
            if (count == 0) {
                return NONE.get();
            }
            throw new IllegalStateException("the application has " + count + " Validator beans and none of them is"
                    + " @Primary: mark the one to validate task payloads with @Primary");
        };
    }

    /**
     * The reader itself when the parameter does not ask for validation, else one that validates what it read.
     * @param validators gives the application's validator (asked only when the parameter wants validation)
     * @throws IllegalStateException when the parameter asks for validation and no validator can be had
     */
    static TaskPayloadConverter.PayloadReader validating(TaskPayloadConverter.PayloadReader reader,
            MethodParameter parameter, Supplier<Validator> validators) {
        @Nullable Object[] hints = hints(parameter);
        if (hints == null) {
            return reader;
        }
        Method method = parameter.getMethod();
        String handler = (method != null) ? method.getDeclaringClass().getSimpleName() + "." + method.getName()
                : String.valueOf(parameter.getExecutable());
        Validator validator;
        try {
            validator = validators.get();
        }
        catch (IllegalStateException ex) {
            throw new IllegalStateException("@TaskHandler method " + parameter.getExecutable().toGenericString()
                    + " asks for its payload to be validated, but " + ex.getMessage() + ", or remove the"
                    + " validation annotation from the parameter", ex);
        }
        return (task) -> {
            Object argument = reader.read(task);
            if (argument != null) {
                Errors errors = new DirectFieldBindingResult(argument, "payload");
                validateWithElements(validator, argument, errors, hints);
                if (errors.hasErrors()) {
                    throw new FrameRejectedException(RejectReason.BAD_PAYLOAD, "task " + task.taskId()
                            + ": the payload for " + handler + " is not valid: " + describe(errors));
                }
            }
            return argument;
        };
    }

    /**
     * Validates the argument, or each element of a collection, array or map (named {@code [index]} or
     * {@code [key]}): a {@code List<@Valid Item>} holds no constraint of its own, and its elements' would otherwise
     * be seen only by method validation.
     */
    private static void validateWithElements(Validator validator, Object argument, Errors errors,
            @Nullable Object[] hints) {
        if (argument instanceof Collection<?> collection) {
            int index = 0;
            for (Object element : collection) {
                validateElement(validator, element, "[" + index++ + "]", errors, hints);
            }
        }
        else if (argument instanceof Object[] array) {
            for (int i = 0; i < array.length; i++) {
                validateElement(validator, array[i], "[" + i + "]", errors, hints);
            }
        }
        else if (argument instanceof Map<?, ?> map) {
            map.forEach((key, value) -> validateElement(validator, value, "[" + key + "]", errors, hints));
        }
        else {
            validate(validator, argument, errors, hints);
        }
    }

    private static void validateElement(Validator validator, @Nullable Object element, String path, Errors errors,
            @Nullable Object[] hints) {
        if (element == null) {
            return;
        }
        errors.pushNestedPath(path);
        try {
            validate(validator, element, errors, hints);
        }
        finally {
            errors.popNestedPath();
        }
    }

    private static void validate(Validator validator, Object target, Errors errors, @Nullable Object[] hints) {
        if (hints.length > 0 && validator instanceof SmartValidator smart) {
            smart.validate(target, errors, hints);
        }
        else {
            validator.validate(target, errors);
        }
    }

    /** The validation hints the parameter's annotations give (empty for {@code @Valid}), or null for none. */
    static @Nullable Object @Nullable [] hints(MethodParameter parameter) {
        for (Annotation annotation : parameter.getParameterAnnotations()) {
            @Nullable Object[] hints = ValidationAnnotationUtils.determineValidationHints(annotation);
            if (hints != null) {
                return hints;
            }
        }
        return null;
    }

    /** {@code "width: must be greater than 0 (was 0); image: must not be blank (was '')"}. */
    private static String describe(Errors errors) {
        return errors.getAllErrors().stream().map(PayloadValidation::describe).collect(Collectors.joining("; "));
    }

    private static String describe(ObjectError error) {
        String message = (error.getDefaultMessage() != null) ? error.getDefaultMessage() : error.getCode();
        if (error instanceof FieldError field) {
            Object rejected = field.getRejectedValue();
            String value = (rejected instanceof CharSequence) ? "'" + rejected + "'" : String.valueOf(rejected);
            if (value.length() > 60) {
                value = value.substring(0, 57) + "...";
            }
            return field.getField() + ": " + message + " (was " + value + ")";
        }
        return message;
    }
}
