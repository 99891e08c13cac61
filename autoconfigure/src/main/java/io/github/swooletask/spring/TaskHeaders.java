package io.github.swooletask.spring;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.GenericMessage;

import io.github.swooletask.wire.WireFormat;

/**
 * The headers of a task (as Spring AMQP's {@code AmqpHeaders} and Spring Kafka's {@code KafkaHeaders} name theirs):
 * what {@link TaskContext} holds, under the {@code swoole_} prefix. A handler gets them in a {@code Message<T>}
 * payload (besides Spring's own {@code id} and {@code timestamp}), one by one in parameters annotated with Spring
 * Messaging's {@code @Header(TaskHeaders.TASK_ID)}, or all of them in a {@code @Headers Map}.
 */
public final class TaskHeaders {

    /** The producer's task id, an {@code Integer}. */
    public static final String TASK_ID = "swoole_taskId";

    /** The index of the task worker running it, an {@code Integer}. */
    public static final String WORKER_ID = "swoole_workerId";

    /** The task name it was dispatched with, a {@code String}; absent for a task without one. */
    public static final String ROUTE = "swoole_route";

    /** Whether this application dispatched it, a {@link TaskSource} (a hint, never an authorisation). */
    public static final String SOURCE = "swoole_source";

    /** The frame's flag bits, an {@code Integer}. */
    public static final String FLAGS = "swoole_flags";

    /** The layout the task came in, a {@link io.github.swooletask.wire.WireFormat}. */
    public static final String FORMAT = "swoole_format";

    /** What the transport knows of the message ({@code mtype}, a Redis entry id...), a {@code Map}. */
    public static final String DELIVERY = "swoole_delivery";

    private static final Map<String, Class<?>> TYPES = types();

    private TaskHeaders() {
    }

    private static Map<String, Class<?>> types() {
        Map<String, Class<?>> types = new LinkedHashMap<>();
        types.put(TASK_ID, Integer.class);
        types.put(WORKER_ID, Integer.class);
        types.put(ROUTE, String.class);
        types.put(SOURCE, TaskSource.class);
        types.put(FLAGS, Integer.class);
        types.put(FORMAT, WireFormat.class);
        types.put(DELIVERY, Map.class);
        return Collections.unmodifiableMap(types);
    }

    /** The headers' names, each with the class of its values (what a {@code @Header} parameter is converted from). */
    public static Map<String, Class<?>> names() {
        return TYPES;
    }

    /**
     * One header of a task: its value, or null when the task has none (only {@link #ROUTE} can be absent).
     * @throws IllegalArgumentException for a name that is not one of {@link #names()}
     */
    public static @Nullable Object value(TaskContext context, String name) {
        return switch (name) {
            case TASK_ID -> context.taskId();
            case WORKER_ID -> context.workerId();
            case ROUTE -> context.route();
            case SOURCE -> context.source();
            case FLAGS -> context.flags();
            case FORMAT -> context.format();
            case DELIVERY -> context.delivery();
            default -> throw new IllegalArgumentException("'" + name + "' is not a task header; they are "
                    + String.join(", ", TYPES.keySet()));
        };
    }

    /** The headers of a task, in the order of {@link #names()}, without the absent ones. */
    public static Map<String, Object> headers(TaskContext context) {
        Map<String, Object> headers = new LinkedHashMap<>();
        for (String name : TYPES.keySet()) {
            Object value = value(context, name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        return headers;
    }

    /** A message of the payload with the headers of the task's context. */
    public static <T> Message<T> message(T payload, TaskContext context) {
        return new GenericMessage<>(payload, headers(context));
    }
}
