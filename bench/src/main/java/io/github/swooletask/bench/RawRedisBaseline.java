package io.github.swooletask.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * The engine's raw end-to-end rate: plain Lettuce, no Spring. {@code --producers} threads {@code XADD} one entry per
 * task (synchronously, on one shared connection); {@code --workers} consumer threads, each on a connection of its
 * own, {@code XREADGROUP COUNT 100 BLOCK 100}, count what they read like the {@code @TaskHandler}, and
 * {@code XACK} it asynchronously, so the acknowledgement is pipelined with the next read. Timed from the first
 * {@code XADD} to the last entry counted.
 */
final class RawRedisBaseline {

    static final int READ_COUNT = 100;

    static final long BLOCK_MILLIS = 100;

    private static final byte[] GROUP = "bench".getBytes(StandardCharsets.UTF_8);

    private static final byte[] FIELD = "frame".getBytes(StandardCharsets.UTF_8);

    private RawRedisBaseline() {
    }

    static RunResult run(BenchOptions options, RedisServer redis, String stream) throws InterruptedException {
        byte[] key = stream.getBytes(StandardCharsets.UTF_8);
        RedisClient client = RedisClient.create(RedisURI.create(redis.host(), redis.port()));
        List<StatefulRedisConnection<byte[], byte[]>> connections = new ArrayList<>();
        List<Thread> consumers = new ArrayList<>();
        Consuming consuming = new Consuming();
        try {
            StatefulRedisConnection<byte[], byte[]> producer = client.connect(ByteArrayCodec.INSTANCE);
            connections.add(producer);
            RedisCommands<byte[], byte[]> commands = producer.sync();
            commands.xgroupCreate(StreamOffset.from(key, "0"), GROUP, XGroupCreateArgs.Builder.mkstream());

            TaskCounter counter = new TaskCounter();
            for (int i = 0; i < options.workers(); i++) {
                StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
                connections.add(connection);
                byte[] name = ("consumer-" + i).getBytes(StandardCharsets.UTF_8);
                Thread thread = new Thread(() -> consume(connection, key, name, counter, consuming),
                        "raw-consumer-" + i);
                thread.setDaemon(true);
                consumers.add(thread);
                thread.start();
            }

            byte[] payload = new byte[options.payload()];
            Arrays.fill(payload, (byte) 0xAB);
            Map<byte[], byte[]> body = Map.of(FIELD, payload);
            ProducerThreads.Dispatch dispatch = () -> commands.xadd(key, body);
            Runnable check = () -> {
                if (consuming.failure.get() != null) {
                    throw new IllegalStateException("a raw consumer failed: " + consuming.failure.get(),
                            consuming.failure.get());
                }
            };

            counter.expect(options.warmup(), options.payload());
            ProducerThreads.Round warm = ProducerThreads.run("raw-warmup", options.producers(), options.warmup(),
                    dispatch);
            counter.awaitPhase(SwooleRun.STALL_SECONDS, "raw warm-up", check);

            counter.expect(options.tasks(), options.payload());
            ProducerThreads.Round timed = ProducerThreads.run("raw", options.producers(), options.tasks(), dispatch);
            counter.awaitPhase(SwooleRun.STALL_SECONDS, "raw", check);
            double seconds = (counter.lastNanos() - timed.startNanos()) / 1e9;
            stop(consuming, consumers);
            if (counter.wrongLength() > 0) {
                throw new IllegalStateException(counter.wrongLength() + " raw entries had a payload of the wrong size");
            }
            return new RunResult("raw Lettuce XADD/XREAD", "-", options.payload(), options.workers(),
                    Integer.toString(options.producers()), options.tasks(), seconds, options.tasks() / seconds, -1,
                    warm.dispatched() + timed.dispatched(), counter.handled(), String.format("first XADD to last entry"
                            + " counted; one entry per task, sync XADD on one shared connection, per consumer"
                            + " XREADGROUP COUNT %d BLOCK %d + async XACK", READ_COUNT, BLOCK_MILLIS));
        }
        finally {
            stop(consuming, consumers);
            for (StatefulRedisConnection<byte[], byte[]> connection : connections) {
                connection.close();
            }
            client.shutdown();
        }
    }

    private static void consume(StatefulRedisConnection<byte[], byte[]> connection, byte[] key, byte[] name,
            TaskCounter counter, Consuming consuming) {
        RedisCommands<byte[], byte[]> sync = connection.sync();
        RedisAsyncCommands<byte[], byte[]> async = connection.async();
        Consumer<byte[]> consumer = Consumer.from(GROUP, name);
        XReadArgs args = XReadArgs.Builder.count(READ_COUNT).block(BLOCK_MILLIS);
        StreamOffset<byte[]> offset = StreamOffset.lastConsumed(key);
        try {
            while (!consuming.stopped) {
                List<StreamMessage<byte[], byte[]>> read = sync.xreadgroup(consumer, args, offset);
                if (read.isEmpty()) {
                    continue;
                }
                String[] ids = new String[read.size()];
                for (int i = 0; i < ids.length; i++) {
                    StreamMessage<byte[], byte[]> message = read.get(i);
                    byte[] payload = message.getBody().values().iterator().next();
                    counter.record(payload.length);
                    ids[i] = message.getId();
                }
                async.xack(key, GROUP, ids);
            }
        }
        catch (RuntimeException ex) {
            if (!consuming.stopped) {
                consuming.failure.compareAndSet(null, ex);
            }
        }
    }

    private static void stop(Consuming consuming, List<Thread> consumers) throws InterruptedException {
        consuming.stopped = true;
        for (Thread consumer : consumers) {
            consumer.join(5000);
        }
    }

    /** Shared by the consumer threads: when to stop, and the first failure. */
    private static final class Consuming {

        volatile boolean stopped;

        final AtomicReference<Throwable> failure = new AtomicReference<>();
    }
}
