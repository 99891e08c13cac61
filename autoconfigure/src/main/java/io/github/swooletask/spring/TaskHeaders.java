package io.github.swooletask.spring;

import java.util.HashMap;
import java.util.Map;

import org.springframework.messaging.Message;
import org.springframework.messaging.support.GenericMessage;

/**
 * The headers of the Spring {@link Message} a handler receives when its payload parameter is a {@code Message<T>}
 * (as Spring AMQP's {@code AmqpHeaders} and Spring Kafka's {@code KafkaHeaders} name theirs): what
 * {@link TaskContext} holds, under the {@code swoole_} prefix, besides Spring's own {@code id} and
 * {@code timestamp}.
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

    private TaskHeaders() {
    }

    /** A message of the payload with the headers of the task's context. */
    public static <T> Message<T> message(T payload, TaskContext context) {
        Map<String, Object> headers = new HashMap<>();
        headers.put(TASK_ID, context.taskId());
        headers.put(WORKER_ID, context.workerId());
        if (context.route() != null) {
            headers.put(ROUTE, context.route());
        }
        headers.put(SOURCE, context.source());
        headers.put(FLAGS, context.flags());
        headers.put(FORMAT, context.format());
        headers.put(DELIVERY, context.delivery());
        return new GenericMessage<>(payload, headers);
    }
}
