package io.github.swooletask.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.aot.hint.annotation.Reflective;
import org.springframework.core.annotation.AliasFor;

import io.github.swooletask.spring.handler.TaskHandlerReflectiveProcessor;

/**
 * Marks a bean method as a task handler, run on the task worker threads.
 *
 * <p>Routing: a handler with a name ({@code @TaskHandler("resize")}) takes the tasks dispatched with that name
 * ({@code tasks.dispatch("resize", payload)}). The handler without a name is the default handler: it takes every
 * task that arrives without a name, which includes every task posted by an external program such as the PHP client.
 * Two handlers claiming the same name (or two default handlers) fail the application at startup.
 *
 * <p>Parameters: at most one payload parameter ({@code String}, {@code byte[]}, {@code ByteBuffer}, {@code Object},
 * {@code Map}, {@code List}, a scalar, any type Jackson can read, such as a record, or a Spring {@code Message} of
 * one), which Spring Messaging's {@code @Payload} may mark; optionally a {@link TaskContext}; and the task's
 * {@link TaskHeaders} in parameters annotated {@code @Header} (one, converted to the parameter's type) or
 * {@code @Headers} (all, as a {@code Map}). The return value completes the future of {@link TaskOperations#call}.
 *
 * <p>Every attribute takes {@code ${...}} placeholders and {@code #{...}} expressions, resolved at startup. The
 * annotation works as a meta-annotation too: an annotation of the application's own, annotated with
 * {@code @TaskHandler(name = "thumbnail")}, makes the methods it is on handlers of that name, and its attributes can
 * override {@code @TaskHandler}'s with {@link AliasFor @AliasFor(annotation = TaskHandler.class)}.
 *
 * <p>For native images the method gets a reflection hint and its payload and return types binding hints
 * ({@link TaskHandlerReflectiveProcessor}).
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Reflective(TaskHandlerReflectiveProcessor.class)
public @interface TaskHandler {

    /** The task name this handler takes; empty for the default handler. */
    @AliasFor("name")
    String value() default "";

    /** Alias for {@link #value()}. */
    @AliasFor("value")
    String name() default "";

    /**
     * The handler's id, unique in the application, by which the handler registry knows it. Empty for
     * {@code <beanName>.<methodName>} (with the parameter types after the method name when the bean has several
     * handlers of that name). Two handlers with one id fail the startup.
     */
    String id() default "";

    /**
     * How many task workers are reserved for this handler ("reserved workers"): a whole number, for example
     * {@code "2"} or {@code "${thumbnails.workers}"}. Empty (or {@code "0"}) for the shared workers of
     * {@code swoole.task.worker-num}, which run every handler without reserved ones. A value that is not a whole
     * number of 0 or more fails the startup, naming the method.
     */
    String concurrency() default "";

    /**
     * Whether this handler's workers start with the application ("start with the app"): {@code "true"} or
     * {@code "false"}, or a placeholder for one. Empty to follow {@code swoole.task.auto-startup} (true unless set).
     */
    String autoStartup() default "";

    /**
     * The most tasks this handler gets at once (a "batch handler"): a whole number of 1 or more, for example
     * {@code "100"} or a placeholder. Over 1, the payload parameter is a {@code List} of the payload type and a
     * context parameter a {@code List<TaskContext>}, in the same order; the handler returns nothing or a
     * {@code List} with one result per task. Its reserved workers ({@link #concurrency()}, 1 unless given) run
     * the tasks that wait for them together, never waiting for more: one task while they come slowly, up to this
     * many while they come faster than the handler runs. Empty (or {@code "1"}) for one task at a time.
     */
    String batchSize() default "";
}
