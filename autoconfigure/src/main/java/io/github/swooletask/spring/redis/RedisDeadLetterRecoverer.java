package io.github.swooletask.spring.redis;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.swooletask.redis.RedisStreamsTransport;
import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskRecoverer;

/**
 * The recoverer of the Redis Streams transport: appends a task whose handler failed every attempt to the
 * dead-letter stream, with fields {@code task-id}, {@code name}, {@code flags}, {@code handler}, {@code attempts},
 * {@code reason}, {@code time} and the raw {@code payload}, where every host's operator sees it.
 */
public class RedisDeadLetterRecoverer implements TaskRecoverer {

    private final RedisStreamsTransport transport;

    private final String stream;

    public RedisDeadLetterRecoverer(RedisStreamsTransport transport, String stream) {
        this.transport = transport;
        this.stream = stream;
    }

    @Override
    public String recover(FailedTask task) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        put(fields, "task-id", Integer.toString(task.taskId()));
        put(fields, "name", (task.route() != null) ? task.route() : "");
        put(fields, "flags", Integer.toString(task.flags()));
        put(fields, "handler", task.handler());
        put(fields, "attempts", Long.toString(task.attempts()));
        put(fields, "reason", String.valueOf(task.failure()));
        put(fields, "time", Instant.now().toString());
        fields.put(bytes("payload"), task.payload());
        this.transport.deadLetter(fields);
        return "kept in Redis stream " + this.stream;
    }

    private static void put(Map<byte[], byte[]> fields, String name, String value) {
        fields.put(bytes(name), bytes(value));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
