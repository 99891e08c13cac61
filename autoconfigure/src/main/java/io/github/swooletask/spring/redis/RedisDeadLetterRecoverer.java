package io.github.swooletask.spring.redis;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import io.lettuce.core.StreamMessage;
import org.jspecify.annotations.Nullable;

import io.github.swooletask.redis.RedisStreamsTransport;
import io.github.swooletask.spring.DeadLetter;
import io.github.swooletask.spring.DeadLetterStore;
import io.github.swooletask.spring.FailedTask;
import io.github.swooletask.spring.TaskRecoverer;

/**
 * The recoverer of the Redis Streams transport: appends a task whose handler failed every attempt to the
 * dead-letter stream, with fields {@code task-id}, {@code name}, {@code flags}, {@code handler}, {@code attempts},
 * {@code reason}, {@code time} and the raw {@code payload}, where every host's operator sees it. As a
 * {@link DeadLetterStore} it reads those entries back, oldest first, and deletes each one sent ({@code XDEL});
 * entries the transport put there (an entry no worker could handle: its {@code frame}, where it came from, why) are
 * no failed tasks and are kept, as unreadable, naming the way to post their frame again.
 */
public class RedisDeadLetterRecoverer implements TaskRecoverer, DeadLetterStore {

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

    /** The entries of the dead-letter stream ({@code XLEN}). */
    @Override
    public long count() {
        return this.transport.deadLetterCount();
    }

    @Override
    public String location() {
        return "Redis stream " + this.stream;
    }

    /**
     * Hands the oldest entries to {@code sender}; one sent is deleted. Two instances replaying at once may both send
     * an entry before either deletes it.
     */
    @Override
    public int replay(int max, Sender sender) {
        int sent = 0;
        for (StreamMessage<byte[], byte[]> entry : this.transport.oldestDeadLetters(max)) {
            DeadLetter letter;
            try {
                letter = read(entry);
            }
            catch (IllegalArgumentException ex) {
                sender.unreadable(entry.getId(), ex.getMessage());
                continue;
            }
            if (sender.send(letter)) {
                this.transport.removeDeadLetter(entry.getId());
                sent++;
            }
        }
        return sent;
    }

    private DeadLetter read(StreamMessage<byte[], byte[]> entry) {
        Map<byte[], byte[]> body = entry.getBody();
        byte[] payload = field(body, "payload");
        if (payload == null) {
            String reason = text(body, "reason");
            throw new IllegalArgumentException("not a failed task but an entry no worker could handle ("
                    + ((reason != null) ? reason : "no reason given") + "); to run it again, post its frame field"
                    + " with XADD to the task stream and XDEL it here");
        }
        String name = text(body, "name");
        return new DeadLetter(entry.getId(), (int) number(body, "task-id"), (name == null || name.isEmpty()) ? null
                : name, (int) number(body, "flags"), String.valueOf(text(body, "handler")), number(body, "attempts"),
                String.valueOf(text(body, "reason")), payload);
    }

    private static long number(Map<byte[], byte[]> body, String name) {
        String value = text(body, name);
        try {
            return Long.parseLong(String.valueOf(value).trim());
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("its field '" + name + "' is not a number: " + value);
        }
    }

    private static @Nullable String text(Map<byte[], byte[]> body, String name) {
        byte[] value = field(body, name);
        return (value != null) ? new String(value, StandardCharsets.UTF_8) : null;
    }

    private static byte @Nullable [] field(Map<byte[], byte[]> body, String name) {
        byte[] key = bytes(name);
        for (Map.Entry<byte[], byte[]> field : body.entrySet()) {
            if (Arrays.equals(field.getKey(), key)) {
                return field.getValue();
            }
        }
        return null;
    }

    private static void put(Map<byte[], byte[]> fields, String name, String value) {
        fields.put(bytes(name), bytes(value));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
