package io.github.swooletask.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Marks a bean method as a task handler, run on the task worker threads.
 *
 * <p>Routing: a handler with a name ({@code @TaskHandler("resize")}) takes the tasks dispatched with that name
 * ({@code taskTemplate.dispatch("resize", payload)}). The handler without a name is the default handler: it takes
 * every task that arrives without a name, which includes every task posted by an external program such as the PHP
 * client. Two handlers claiming the same name (or two default handlers) fail the application at startup.
 *
 * <p>Parameters: at most one payload parameter ({@code String}, {@code byte[]}, {@code Object}, {@code Map},
 * {@code List}, a scalar, or any type Jackson can read, such as a record) and optionally a {@link TaskContext}.
 * The return value completes the future of {@link TaskTemplate#call}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TaskHandler {

    /** The task name this handler takes; empty for the default handler. */
    @AliasFor("name")
    String value() default "";

    /** Alias for {@link #value()}. */
    @AliasFor("value")
    String name() default "";
}
