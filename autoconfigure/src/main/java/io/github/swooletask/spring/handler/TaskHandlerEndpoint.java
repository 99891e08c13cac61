package io.github.swooletask.spring.handler;

import java.lang.reflect.Method;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.springframework.core.retry.RetryPolicy;

import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskHandlerConfigurer;
import io.github.swooletask.wire.TaskName;
import io.github.swooletask.worker.ReservedWorkers;

/**
 * A task handler declared in code ({@link TaskHandlerConfigurer}) rather than with {@link TaskHandler @TaskHandler}:
 * a method of a bean, run as an annotated one would be (its parameters, return value, {@code @Valid} and
 * {@code @Retryable} included), or a function of the payload, converted to the type given. The settings mean what
 * the annotation's attributes mean: {@link #name} the task name (empty for the default handler), {@link #id} (by
 * default the name, {@code default} for the default handler), {@link #concurrency} reserved workers,
 * {@link #autoStartup}; {@link #retryPolicy} replaces {@code swoole.task.retry.*} for this handler, and
 * {@link #sendTo} sends its results on as {@code @SendTo} does; {@link #batchSize} makes a method endpoint a batch
 * handler.
 */
public final class TaskHandlerEndpoint {

    private final Object bean;

    private final Method method;

    private final @Nullable Class<?> functionPayload;

    private String name = "";

    private @Nullable String id;

    private int concurrency;

    private @Nullable Boolean autoStartup;

    private @Nullable RetryPolicy retryPolicy;

    private @Nullable String sendTo;

    private int batchSize = 1;

    private TaskHandlerEndpoint(Object bean, Method method, @Nullable Class<?> functionPayload) {
        this.bean = bean;
        this.method = method;
        this.functionPayload = functionPayload;
    }

    /** A handler that runs {@code method} on {@code bean} (which may be a proxy), as {@code @TaskHandler} would. */
    public static TaskHandlerEndpoint method(Object bean, Method method) {
        Objects.requireNonNull(bean, "bean");
        Objects.requireNonNull(method, "method");
        return new TaskHandlerEndpoint(bean, method, null);
    }

    /**
     * A handler that applies {@code function} to each task's payload, read as {@code payloadType} (as a parameter of
     * that type would be: {@code String}, {@code byte[]}, {@code Map}, a record...); what it returns is the result.
     */
    public static <T> TaskHandlerEndpoint function(Class<T> payloadType, Function<? super T, ?> function) {
        Objects.requireNonNull(payloadType, "payloadType");
        Objects.requireNonNull(function, "function");
        return new TaskHandlerEndpoint(new FunctionHandler(function), FunctionHandler.HANDLE, payloadType);
    }

    /** The task name it takes; empty (the default) for the default handler. */
    public TaskHandlerEndpoint name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /** Its id, unique in the application; by default the name ({@code default} for the default handler). */
    public TaskHandlerEndpoint id(String id) {
        this.id = Objects.requireNonNull(id, "id");
        return this;
    }

    /** Workers reserved for it; 0 (the default) for the shared workers. */
    public TaskHandlerEndpoint concurrency(int workers) {
        if (workers < 0) {
            throw new IllegalArgumentException("concurrency must be 0 (the shared workers) or more, was " + workers);
        }
        this.concurrency = workers;
        return this;
    }

    /** Whether its reserved workers start with the application; by default {@code swoole.task.auto-startup}. */
    public TaskHandlerEndpoint autoStartup(boolean autoStartup) {
        this.autoStartup = autoStartup;
        return this;
    }

    /** Its own retry, instead of {@code swoole.task.retry.*} (or the method's {@code @Retryable}). */
    public TaskHandlerEndpoint retryPolicy(RetryPolicy retryPolicy) {
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        return this;
    }

    /**
     * The task name its results go on as, as {@code @SendTo} would give (instead of the method's {@code @SendTo}):
     * each non-null result of a task nobody waits for becomes a task of this name.
     * @throws IllegalArgumentException when no task can have this name (empty, over 255 bytes of UTF-8)
     */
    public TaskHandlerEndpoint sendTo(String name) {
        Objects.requireNonNull(name, "name");
        this.sendTo = TaskName.of(name.trim()).name();
        return this;
    }

    /**
     * The most tasks a method endpoint gets at once, as {@code @TaskHandler(batchSize)}: its method then takes a
     * {@code List} of payloads (and optionally a {@code List<TaskContext>}) and returns nothing or one result per
     * task; it runs on reserved workers (1 unless {@link #concurrency} says more). 1 (the default) for one at a time.
     * @throws IllegalArgumentException for a size under 1 or over 10,000
     */
    public TaskHandlerEndpoint batchSize(int tasks) {
        if (tasks < 1 || tasks > ReservedWorkers.MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batchSize must be 1 to " + ReservedWorkers.MAX_BATCH_SIZE + ", was "
                    + tasks);
        }
        this.batchSize = tasks;
        return this;
    }

    Object bean() {
        return this.bean;
    }

    Method method() {
        return this.method;
    }

    @Nullable Class<?> functionPayload() {
        return this.functionPayload;
    }

    String routeName() {
        return this.name.trim();
    }

    String idOr(String fallback) {
        return (this.id != null && !this.id.isBlank()) ? this.id.trim() : fallback;
    }

    int workers() {
        return this.concurrency;
    }

    boolean startsWithApp(boolean fallback) {
        return (this.autoStartup != null) ? this.autoStartup : fallback;
    }

    @Nullable RetryPolicy ownRetryPolicy() {
        return this.retryPolicy;
    }

    @Nullable String sendToName() {
        return this.sendTo;
    }

    int batchTasks() {
        return this.batchSize;
    }
}
