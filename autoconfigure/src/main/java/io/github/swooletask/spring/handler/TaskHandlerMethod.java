package io.github.swooletask.spring.handler;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.expression.ParseException;
import org.springframework.messaging.Message;
import org.springframework.util.ReflectionUtils;
import org.springframework.validation.Validator;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskHeaders;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;

/**
 * One {@link TaskHandler} method of one bean, ready to invoke with a task, with its attributes: {@link #id()},
 * {@link #route()}, {@link #concurrency()} and {@link #autoStartup()}. A payload parameter annotated {@code @Valid}
 * or {@code @Validated} is validated before the call; a payload that fails is rejected ({@code bad-payload}). A
 * method that returns a {@link CompletionStage} ({@code CompletableFuture}) or a reactive single value
 * ({@code Mono}) runs until that completes: the worker waits for it, and its value is the result, its failure the
 * handler's. A handler may have a retry of its own ({@link #retryPolicy()}) and send its results on as tasks
 * ({@link #sendTo()}).
 */
public final class TaskHandlerMethod {

    private final Object bean;

    private final Method method;

    private final TaskHandlerAttributes attributes;

    private final String displayName;

    /** What each parameter receives: the payload, the context, headers. */
    private final HandlerParameters parameters;

    private final TaskPayloadConverter.@Nullable PayloadReader payloadReader;

    /** Whether the payload parameter is a Spring {@code Message<T>}: the payload read as {@code T}, with headers. */
    private final boolean messagePayload;

    /** Whether the method returns a {@link CompletionStage} or reactive single value whose outcome is the handler's. */
    private final boolean completesLater;

    /** The adapter of a reactive return type ({@code Mono}...), null for any other. */
    private final @Nullable ReactiveAdapter reactiveResult;

    private final @Nullable RetryPolicy retryPolicy;

    /** The {@code @SendTo("!{...}")} evaluated per result, null for a fixed name or none. */
    private final @Nullable SendToExpression sendToExpression;

    /** Where the handler was declared, for messages: the method, or the function and its configurer. */
    private final String declaration;

    /** A handler of the shared workers, started with the application, whose id is {@link #displayName()}. */
    TaskHandlerMethod(Object bean, Method method, String route, TaskPayloadConverter converter) {
        this(bean, method, TaskHandlerAttributes.shared(displayName(method), route), converter,
                PayloadValidation.NONE, null);
    }

    /**
     * @param validator gives the application's validator, asked for only by a payload parameter that wants
     * validation (when it throws, such a parameter fails the startup)
     * @param retryPolicy the handler's own retry ({@code @Retryable}), or null for the application's
     */
    TaskHandlerMethod(Object bean, Method method, TaskHandlerAttributes attributes, TaskPayloadConverter converter,
            Supplier<Validator> validator, @Nullable RetryPolicy retryPolicy) {
        this(bean, method, null, displayName(method), attributes, converter, validator, retryPolicy);
    }

    /**
     * @param payloadParameter the payload parameter as the converter sees it, or null for the method's own (a
     * function handler's method takes an {@code Object} that is the function's payload type)
     * @param displayName the {@code handler} tag of its timer
     */
    TaskHandlerMethod(Object bean, Method method, @Nullable MethodParameter payloadParameter, String displayName,
            TaskHandlerAttributes attributes, TaskPayloadConverter converter, Supplier<Validator> validator,
            @Nullable RetryPolicy retryPolicy) {
        this.bean = bean;
        this.retryPolicy = retryPolicy;
        // a JDK proxy is invoked through its interface's method; the parameters are read from the class's (with
        // annotations its interfaces declare merged in), so @Valid counts wherever it is written
        this.method = AopUtils.selectInvocableMethod(method, bean.getClass());
        this.attributes = attributes;
        this.displayName = displayName;
        this.declaration = (bean instanceof FunctionHandler) ? "the function handler '" + displayName
                + "' of a TaskHandlerConfigurer" : method.toGenericString();
        boolean stage = CompletionStage.class.isAssignableFrom(method.getReturnType());
        this.reactiveResult = stage ? null : reactiveAdapter(method);
        this.completesLater = stage || this.reactiveResult != null;
        boolean batch = attributes.batchSize() > 1;
        if (batch) {
            checkBatchSignature(method);
        }
        this.parameters = HandlerParameters.of(method, batch, this.displayName, this::invalid);
        int payload = this.parameters.payloadIndex();
        this.messagePayload = payload >= 0 && payloadParameter == null
                && method.getParameterTypes()[payload] == Message.class;
        MethodParameter ownPayload = this.parameters.payloadParameter();
        if (ownPayload != null) {
            MethodParameter declared = (payloadParameter != null) ? payloadParameter : ownPayload;
            if (batch && TypeArgumentParameter.of(declared).isOf(Message.class)) {
                throw invalid("has a batchSize and takes a List of Messages; a batch handler takes a List of"
                        + " payloads, and their headers as a List<TaskContext>");
            }
            // the converter and validator see each task's payload: an element of a batch handler's list, the
            // payload of a Message
            MethodParameter parameter = (batch || this.messagePayload) ? TypeArgumentParameter.of(declared)
                    : declared;
            this.payloadReader = PayloadValidation.validating(converter.readerFor(parameter), parameter, validator);
        }
        else {
            this.payloadReader = null;
        }
        String sendTo = attributes.sendTo();
        if (sendTo != null && method.getReturnType() == void.class) {
            throw invalid("returns void, so its @SendTo(\"" + sendTo + "\") has no result to send: return"
                    + " the payload of the next task, or remove @SendTo");
        }
        this.sendToExpression = (sendTo != null && SendToExpression.isExpression(sendTo)) ? sendToExpression(sendTo)
                : null;
        ReflectionUtils.makeAccessible(this.method);
    }

    private SendToExpression sendToExpression(String sendTo) {
        try {
            return SendToExpression.parse(sendTo);
        }
        catch (ParseException ex) {
            throw invalid("has @SendTo(\"" + sendTo + "\"), which is no SpEL template: " + ex.getMessage());
        }
    }

    /**
     * The adapter of a reactive return type that gives one value or none ({@code Mono}, RxJava's {@code Single}...);
     * one that gives many ({@code Flux}) fails: a task has one result.
     */
    private @Nullable ReactiveAdapter reactiveAdapter(Method method) {
        Class<?> type = method.getReturnType();
        if (type == void.class || type == Object.class) {
            return null;
        }
        ReactiveAdapterRegistry registry = ReactiveAdapterRegistry.getSharedInstance();
        ReactiveAdapter adapter = registry.getAdapter(type);
        if (adapter == null) {
            return null;
        }
        if (adapter.isMultiValue()) {
            throw invalid("returns " + type.getSimpleName() + ", a stream of many values, but a task has one result:"
                    + " return a single value (a Mono, collectList() for a list) or a CompletableFuture");
        }
        if (registry.getAdapter(CompletableFuture.class) == null) {
            throw invalid("returns " + type.getSimpleName() + ", which the worker waits for through Reactor: add"
                    + " io.projectreactor:reactor-core, or return a CompletableFuture");
        }
        return adapter;
    }

    /**
     * A batch handler takes {@code List}s (its payloads, and optionally their {@code List<TaskContext>}) and returns
     * nothing or a {@code List}: one result per task, in the tasks' order.
     */
    private void checkBatchSignature(Method method) {
        for (Class<?> type : method.getParameterTypes()) {
            if (type != List.class) {
                throw invalid("has a batchSize, so it takes a List of payloads and an optional List<TaskContext>,"
                        + " not a " + type.getSimpleName());
            }
        }
        Class<?> result = method.getReturnType();
        if (result != void.class && result != List.class) {
            throw invalid("has a batchSize, so it returns nothing or a List with one result per task, not a "
                    + result.getSimpleName());
        }
    }

    private static String displayName(Method method) {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName();
    }

    /** Where the handler was declared: the method ({@code Method.toGenericString()}), or the function's id. */
    String declaration() {
        return this.declaration;
    }

    private IllegalStateException invalid(String problem) {
        return new IllegalStateException("@TaskHandler method " + this.method.toGenericString() + " " + problem);
    }

    /** The handler's id, unique in the application: {@code @TaskHandler(id)}, or bean name and method name. */
    public String id() {
        return this.attributes.id();
    }

    /** The task name it takes, empty for the default handler. */
    public String route() {
        return this.attributes.route();
    }

    /**
     * The task workers reserved for this handler ({@code @TaskHandler(concurrency)}), or 0 when the shared workers
     * of {@code swoole.task.worker-num} run it.
     */
    public int concurrency() {
        return this.attributes.concurrency();
    }

    /**
     * Whether this handler's workers start with the application: {@code @TaskHandler(autoStartup)}, or else
     * {@code swoole.task.auto-startup}.
     */
    public boolean autoStartup() {
        return this.attributes.autoStartup();
    }

    /**
     * The handler's own retry, from Spring's {@code @Retryable} on its method or class or from its
     * {@link TaskHandlerEndpoint#retryPolicy endpoint}, or null when the application's ({@code swoole.task.retry.*}
     * and its customizers) applies.
     */
    public @Nullable RetryPolicy retryPolicy() {
        return this.retryPolicy;
    }

    /**
     * The task name its results go on as (Spring's {@code @SendTo} on its method or class, or its
     * {@link TaskHandlerEndpoint#sendTo endpoint's}), or null: each non-null result of a task that no caller waits
     * for becomes a task of this name; a value with {@code !{...}} is a SpEL template evaluated for each result (as
     * written here).
     */
    public @Nullable String sendTo() {
        return this.attributes.sendTo();
    }

    /**
     * The task name one result goes on as: {@code sendTo}, the handler's {@link #sendTo()}, or what it gives for
     * the result when it is a {@code !{...}} expression.
     * @param payload the task's payload argument, see {@link #payloadArgument}
     * @throws IllegalStateException when the expression fails or gives no task name
     */
    String sendToFor(String sendTo, Object result, @Nullable Object payload, Supplier<TaskContext> task) {
        SendToExpression expression = this.sendToExpression;
        return (expression != null) ? expression.name(new SendToExpression.Root(result, payload, task.get())) : sendTo;
    }

    /** The payload among a task's arguments (a {@code Message} for a {@code Message} parameter), null for none. */
    @Nullable Object payloadArgument(@Nullable Object[] args) {
        int index = this.parameters.payloadIndex();
        return (index >= 0) ? args[index] : null;
    }

    /**
     * The most tasks it gets at once ({@code @TaskHandler(batchSize)}), 1 for one at a time; over 1 it runs on its
     * reserved workers with {@link #invokeBatch}.
     */
    public int batchSize() {
        return this.attributes.batchSize();
    }

    /** {@code SimpleClassName.method}, the {@code handler} tag of the execution timer. */
    public String displayName() {
        return this.displayName;
    }

    /**
     * Whether the method takes what a {@link TaskContext} holds: the context itself, a {@code Message} (whose headers
     * it is), {@code @Header} or {@code @Headers} parameters.
     */
    public boolean wantsContext() {
        return this.parameters.wantsContext() || this.messagePayload;
    }

    public Method method() {
        return this.method;
    }

    /** The method's arguments for a task; a payload that cannot be converted is a {@link FrameRejectedException}. */
    @Nullable Object[] arguments(DecodedTask task, @Nullable TaskContext context) throws FrameRejectedException {
        @Nullable Object[] args = new Object[this.parameters.count()];
        TaskPayloadConverter.PayloadReader reader = this.payloadReader;
        if (reader != null) {
            Object payload = this.parameters.checkedPayload(task.taskId(), reader.read(task));
            args[this.parameters.payloadIndex()] = this.messagePayload ? message(task, payload, context) : payload;
        }
        this.parameters.fill(args, task.taskId(), context);
        return args;
    }

    private static Message<?> message(DecodedTask task, @Nullable Object payload, @Nullable TaskContext context)
            throws FrameRejectedException {
        if (payload == null || context == null) {
            throw new FrameRejectedException(RejectReason.BAD_PAYLOAD, "task " + task.taskId() + ": its payload is"
                    + " null, which a Message cannot carry");
        }
        return TaskHeaders.message(payload, context);
    }

    /**
     * A batch handler's payload for one task: read (and validated) as an element of its list, once the task was
     * found to have the headers the method requires.
     * @param context the task's, when the method {@link #wantsContext() wants it}
     * @throws FrameRejectedException when the payload cannot be read, or is not valid, or a header is missing
     */
    @Nullable Object batchPayload(DecodedTask task, @Nullable TaskContext context) throws FrameRejectedException {
        if (context != null) {
            this.parameters.check(task.taskId(), context);
        }
        TaskPayloadConverter.PayloadReader reader = this.payloadReader;
        return (reader != null) ? this.parameters.checkedPayload(task.taskId(), reader.read(task)) : null;
    }

    /**
     * Calls a batch handler with the payloads and contexts of its tasks, in their order.
     * @return one result per task (nulls for a method that returns nothing)
     * @throws IllegalStateException when the method returned another number of results
     */
    List<@Nullable Object> invokeBatch(List<@Nullable Object> payloads, List<TaskContext> contexts) throws Exception {
        @Nullable Object[] args = new Object[this.parameters.count()];
        if (this.parameters.payloadIndex() >= 0) {
            args[this.parameters.payloadIndex()] = Collections.unmodifiableList(payloads);
        }
        this.parameters.fillBatch(args, contexts);
        Object result = call(args);
        if (result == null) {
            return Collections.nCopies(payloads.size(), null);
        }
        List<?> results = (List<?>) result;
        if (results.size() != payloads.size()) {
            throw new IllegalStateException("@TaskHandler " + this.displayName + " returned " + results.size()
                    + " results for a batch of " + payloads.size() + " tasks; a batch handler returns one per task,"
                    + " in their order");
        }
        return new ArrayList<>(results);
    }

    /**
     * Calls the method; what it throws comes out unwrapped. For a {@link CompletionStage} or a reactive single value
     * ({@code Mono}, subscribed to here), waits until it completed and returns its value (null for an empty one) or
     * throws its failure (a {@link CancellationException} when it was cancelled); an interrupt while waiting (a stop
     * that gives up on the task) cancels it.
     */
    @Nullable Object invoke(@Nullable Object[] args) throws Exception {
        Object result = call(args);
        if (!this.completesLater || result == null) {
            return result;
        }
        ReactiveAdapter reactive = this.reactiveResult;
        CompletableFuture<?> future = (reactive != null) ? ReactiveResults.toFuture(reactive, result)
                : ((CompletionStage<?>) result).toCompletableFuture();
        try {
            return future.get();
        }
        catch (ExecutionException ex) {
            throw unwrapped(ex);
        }
        catch (InterruptedException ex) {
            future.cancel(true);
            throw ex;
        }
    }

    private @Nullable Object call(@Nullable Object[] args) throws Exception {
        try {
            return this.method.invoke(this.bean, args);
        }
        catch (InvocationTargetException ex) {
            throw unwrapped(ex);
        }
    }

    /** What a reflective call or a future wraps: its cause when an exception, the wrapper else; an Error is thrown. */
    private static Exception unwrapped(Exception wrapper) {
        Throwable cause = wrapper.getCause();
        if (cause instanceof Error error) {
            throw error;
        }
        return (cause instanceof Exception exception) ? exception : wrapper;
    }

    @Override
    public String toString() {
        return this.displayName + (route().isEmpty() ? " (default)" : " ('" + route() + "')");
    }
}
