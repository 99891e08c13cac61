package io.github.swooletask.redis;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.concurrent.IdleStrategy;
import io.github.swooletask.log.LogSafe;
import io.github.swooletask.transport.ResultChannel;

/**
 * Results of calls across instances: each instance reads its own reply stream ({@code <stream>:replies:<instance>})
 * with {@code XREAD BLOCK} on a thread of its own, deleting each result once delivered; a worker that ran another
 * instance's call adds the result there ({@code XADD ... MAXLEN ~ 10000}, so an instance that went away leaves a
 * bounded stream). Entries hold {@code task}, {@code tag} and {@code flags} as 4-byte little-endian numbers and the
 * {@code payload}. The reply stream is deleted when the transport closes. Another program that posts a task with
 * {@code REPLY} and a {@code reply-to} of its own gets its result the same way, on a reply stream of this stream.
 */
final class RedisResultChannel implements ResultChannel {

    private static final Logger logger = LoggerFactory.getLogger(RedisResultChannel.class);

    private static final byte[] TASK = RedisKeys.bytes("task");

    private static final byte[] TAG = RedisKeys.bytes("tag");

    private static final byte[] FLAGS = RedisKeys.bytes("flags");

    private static final byte[] PAYLOAD = RedisKeys.bytes("payload");

    private static final IdleStrategy RETRY = new BackoffIdleStrategy(0, 0, Duration.ofMillis(100),
            Duration.ofSeconds(5));

    private final RedisStreamsTransport transport;

    private final String address;

    private final byte[] key;

    /** What every reply stream of this task stream starts with: {@code <stream>:replies:}. */
    private final String replyPrefix;

    private @Nullable Thread reader;

    private @Nullable StatefulRedisConnection<byte[], byte[]> connection;

    private volatile boolean closed;

    RedisResultChannel(RedisStreamsTransport transport) {
        this.transport = transport;
        this.address = transport.settings().replyStream();
        this.key = RedisKeys.bytes(this.address);
        this.replyPrefix = transport.settings().stream() + ":replies:";
    }

    /**
     * Only reply streams of this task stream ({@code <stream>:replies:<caller>}): whoever may add a task may not
     * make the worker add entries to another key.
     */
    @Override
    public boolean accepts(String address) {
        return address.startsWith(this.replyPrefix) && address.length() > this.replyPrefix.length();
    }

    @Override
    public String addressRule() {
        return "a reply stream of stream '" + this.transport.settings().stream() + "', named " + this.replyPrefix
                + "<caller id>";
    }

    @Override
    public String address() {
        return this.address;
    }

    @Override
    public synchronized void listen(ResultListener listener) {
        if (this.reader != null) {
            throw new IllegalStateException("results of " + this.address + " already have a listener");
        }
        Thread thread = new Thread(() -> readLoop(listener), "swoole-task-redis-results");
        thread.setDaemon(true);
        this.reader = thread;
        thread.start();
    }

    private void readLoop(ResultListener listener) {
        // the reply stream holds only this instance's results, and each is deleted once read: read from its start
        String last = "0-0";
        int failures = 0;
        while (!this.closed) {
            try {
                StatefulRedisConnection<byte[], byte[]> connection = connection();
                RedisCommands<byte[], byte[]> commands = connection.sync();
                List<StreamMessage<byte[], byte[]>> read = commands.xread(XReadArgs.Builder.block(Duration.ofMillis(
                        this.transport.settings().blockTimeout().toMillis())).count(100),
                        XReadArgs.StreamOffset.from(this.key, last));
                failures = 0;
                for (StreamMessage<byte[], byte[]> message : read) {
                    last = message.getId();
                    deliver(listener, message);
                }
                if (!read.isEmpty()) {
                    commands.xdel(this.key, read.stream().map(StreamMessage::getId).toArray(String[]::new));
                }
            }
            catch (RedisException ex) {
                if (this.closed) {
                    break;
                }
                if (failures == 0) {
                    logger.warn("Cannot read the results of {}, will try again: {}", this.address, ex.getMessage());
                }
                RETRY.idle(failures++);
            }
        }
    }

    private synchronized StatefulRedisConnection<byte[], byte[]> connection() {
        StatefulRedisConnection<byte[], byte[]> current = this.connection;
        if (current == null || !current.isOpen()) {
            current = this.transport.client().connect(ByteArrayCodec.INSTANCE);
            this.connection = current;
        }
        return current;
    }

    private static void deliver(ResultListener listener, StreamMessage<byte[], byte[]> message) {
        byte[] task = RedisKeys.field(message.getBody(), TASK);
        byte[] tag = RedisKeys.field(message.getBody(), TAG);
        byte[] flags = RedisKeys.field(message.getBody(), FLAGS);
        byte[] payload = RedisKeys.field(message.getBody(), PAYLOAD);
        if (task == null || tag == null || flags == null || payload == null || task.length != 4 || tag.length != 4
                || flags.length != 4) {
            logger.warn("Dropped a malformed result entry {} (fields: {})", RedisKeys.printable(message.getId()),
                    RedisKeys.fieldNames(message.getBody()));
            return;
        }
        try {
            listener.result(number(task), number(tag), number(flags), payload);
        }
        catch (RuntimeException ex) {
            logger.warn("The result listener failed on result {}: {}", RedisKeys.printable(message.getId()),
                    LogSafe.escape(ex.toString()));
        }
    }

    private static int number(byte[] four) {
        return ByteBuffer.wrap(four).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static byte[] bytes(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    @Override
    public boolean send(String address, int taskId, int tag, int flags, byte[] payload) {
        Map<byte[], byte[]> body = new LinkedHashMap<>();
        body.put(TASK, bytes(taskId));
        body.put(TAG, bytes(tag));
        body.put(FLAGS, bytes(flags));
        body.put(PAYLOAD, payload);
        try {
            this.transport.commands().xadd(RedisKeys.bytes(address), XAddArgs.Builder.maxlen(10_000).approximateTrimming(),
                    body);
            return true;
        }
        catch (RedisException ex) {
            logger.warn("Cannot send the result of task {} to {}: {}", taskId, RedisKeys.printable(address),
                    ex.getMessage());
            return false;
        }
    }

    synchronized void close() {
        this.closed = true;
        StatefulRedisConnection<byte[], byte[]> current = this.connection;
        if (current != null) {
            current.closeAsync();
        }
        if (this.reader != null) {
            try {
                this.transport.commands().del(this.key);
            }
            catch (RedisException ex) {
                // the stream is bounded anyway
            }
        }
    }
}
