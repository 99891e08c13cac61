package io.github.swooletask.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.core.StreamOperations;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.data.redis.stream.StreamListener;
import org.springframework.data.redis.stream.StreamMessageListenerContainer;
import org.springframework.data.redis.stream.StreamMessageListenerContainer.StreamMessageListenerContainerOptions;
import org.springframework.data.redis.stream.Subscription;

/**
 * What a Spring user writes by hand today for tasks over Redis Streams: Spring Data Redis's
 * {@link StreamMessageListenerContainer} on a {@link LettuceConnectionFactory} (its defaults: one shared native
 * connection, no pool), a consumer group, {@code --workers} subscriptions (one consumer each, reading
 * {@code lastConsumed()}, auto-acknowledgement off, an explicit {@code acknowledge} after the handler logic, as
 * at-least-once code does), and producers calling {@code opsForStream().add(...)} once per task. The listener counts
 * like the {@code @TaskHandler}. Timed from the first add to the last task counted.
 */
final class SpringDataBaseline {

    /** Container options: how long one poll blocks, and most records one poll reads. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    static final int BATCH_SIZE = 64;

    static final String GROUP = "bench";

    static final String FIELD = "payload";

    private SpringDataBaseline() {
    }

    static RunResult run(BenchOptions options, RedisServer redis, String stream) throws InterruptedException {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(
                redis.host(), redis.port()));
        factory.afterPropertiesSet();
        factory.start();
        StreamMessageListenerContainer<String, MapRecord<String, String, byte[]>> container = null;
        try {
            RedisTemplate<String, byte[]> template = new RedisTemplate<>();
            template.setConnectionFactory(factory);
            template.setKeySerializer(RedisSerializer.string());
            template.setHashKeySerializer(RedisSerializer.string());
            template.setValueSerializer(RedisSerializer.byteArray());
            template.setHashValueSerializer(RedisSerializer.byteArray());
            template.afterPropertiesSet();
            StreamOperations<String, String, byte[]> ops = template.opsForStream();
            ops.createGroup(stream, ReadOffset.from("0"), GROUP);

            TaskCounter counter = new TaskCounter();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            StreamMessageListenerContainerOptions<String, MapRecord<String, String, byte[]>> containerOptions =
                    StreamMessageListenerContainerOptions.builder()
                        .pollTimeout(POLL_TIMEOUT)
                        .batchSize(BATCH_SIZE)
                        .hashKeySerializer(RedisSerializer.string())
                        .<String, byte[]>hashValueSerializer(RedisSerializer.byteArray())
                        .errorHandler((ex) -> failure.compareAndSet(null, ex))
                        .build();
            container = StreamMessageListenerContainer.create(factory, containerOptions);
            StreamListener<String, MapRecord<String, String, byte[]>> listener = (record) -> {
                byte[] payload = record.getValue().get(FIELD);
                counter.record((payload != null) ? payload.length : -1);
                ops.acknowledge(GROUP, record);
            };
            List<Subscription> subscriptions = new ArrayList<>();
            for (int i = 0; i < options.workers(); i++) {
                subscriptions.add(container.receive(Consumer.from(GROUP, "consumer-" + i),
                        StreamOffset.create(stream, ReadOffset.lastConsumed()), listener));
            }
            container.start();
            for (Subscription subscription : subscriptions) {
                if (!subscription.await(Duration.ofSeconds(10))) {
                    throw new IllegalStateException("a Spring Data Redis subscription did not become active");
                }
            }

            byte[] payload = new byte[options.payload()];
            Arrays.fill(payload, (byte) 0xAB);
            Map<String, byte[]> body = Map.of(FIELD, payload);
            ProducerThreads.Dispatch dispatch = () -> ops.add(stream, body);
            Runnable check = () -> {
                if (failure.get() != null) {
                    throw new IllegalStateException("the Spring Data Redis container failed: " + failure.get(),
                            failure.get());
                }
            };

            counter.expect(options.warmup(), options.payload());
            ProducerThreads.Round warm = ProducerThreads.run("spring-data-warmup", options.producers(),
                    options.warmup(), dispatch);
            counter.awaitPhase(SwooleRun.STALL_SECONDS, "spring-data warm-up", check);

            counter.expect(options.tasks(), options.payload());
            ProducerThreads.Round timed = ProducerThreads.run("spring-data", options.producers(), options.tasks(),
                    dispatch);
            counter.awaitPhase(SwooleRun.STALL_SECONDS, "spring-data", check);
            double seconds = (counter.lastNanos() - timed.startNanos()) / 1e9;
            stop(container, subscriptions);
            container = null;
            if (counter.wrongLength() > 0) {
                throw new IllegalStateException(counter.wrongLength() + " spring-data records had a payload of the"
                        + " wrong size");
            }
            return new RunResult("Spring Data container", "-", options.payload(), options.workers(),
                    Integer.toString(options.producers()), options.tasks(), seconds, options.tasks() / seconds, -1,
                    warm.dispatched() + timed.dispatched(), counter.handled(), String.format("first add to last record counted;"
                            + " pollTimeout %d ms, batchSize %d, %d subscriptions, one XADD per task, XACK per"
                            + " record after the count", POLL_TIMEOUT.toMillis(), BATCH_SIZE, options.workers()));
        }
        finally {
            if (container != null) {
                container.stop();
            }
            factory.destroy();
        }
    }

    /** Stops the container and waits (a poll timeout or so) until its polls ended, before the connections close. */
    private static void stop(StreamMessageListenerContainer<?, ?> container, List<Subscription> subscriptions)
            throws InterruptedException {
        container.stop();
        long deadline = System.nanoTime() + POLL_TIMEOUT.multipliedBy(20).toNanos();
        for (Subscription subscription : subscriptions) {
            while (subscription.isActive() && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
        }
    }
}
