package io.github.swooletask.manyhosts;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.support.RawFrames;
import io.github.swooletask.support.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of one application, two JVMs, consume one Redis stream while this test posts steadily: one is killed
 * with {@code kill -9} mid-flow, and in another run Redis is restarted mid-flow (append-only file on). Every task
 * posted is handled at least once, duplicates are counted and reported, and the survivor claims the dead instance's
 * pending entries.
 */
class ManyHostsIntegrationTests {

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private static final int TASKS = 3000;

    @RegisterExtension
    static final RedisServerExtension redis = RedisServerExtension.ephemeral().withAppendOnly();

    @TempDir
    Path tmp;

    private final List<Process> instances = new ArrayList<>();

    private String stream;

    private RedisClient client;

    private StatefulRedisConnection<byte[], byte[]> connection;

    @BeforeEach
    void connect() {
        this.stream = "hosts-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        this.client = RedisClient.create(redis.uri());
        this.connection = this.client.connect(ByteArrayCodec.INSTANCE);
    }

    @AfterEach
    void stopInstances() throws Exception {
        for (Process process : this.instances) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try {
            RedisCommands<byte[], byte[]> commands = this.connection.sync();
            for (byte[] key : commands.keys(bytes(this.stream + "*"))) {
                commands.del(key);
            }
        }
        finally {
            this.connection.close();
            this.client.shutdown();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Starts an instance in a JVM of its own and waits until its workers read the stream. */
    private Process instance(String name) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dtest.stream=" + this.stream,
                RedisWorkerApplication.class.getName(), "--spring.main.web-application-type=none",
                "--swoole.task.transport=redis-streams", "--swoole.task.ipc-mode=3",
                "--swoole.task.redis.stream=" + this.stream, "--swoole.task.redis.instance-id=" + name,
                "--swoole.task.redis.claim-after=2s", "--swoole.task.redis.block-timeout=200ms",
                "--swoole.task.worker-num=2", "--swoole.task.dead-letter.enabled=false",
                "--spring.data.redis.host=" + redis.host(), "--spring.data.redis.port=" + redis.port(),
                "--swoole.task.tmpdir=" + this.tmp, "--logging.level.root=WARN",
                "--logging.level.io.github.swooletask.redis=INFO");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(this.tmp.resolve(name + ".out").toFile()).start();
        this.instances.add(process);
        await(name + " to join the group").atMost(DEADLINE).until(() -> consumers().contains(name + "-1")
                || !process.isAlive());
        assertThat(process.isAlive()).as(() -> name + " died: " + read(this.tmp.resolve(name + ".out"))).isTrue();
        return process;
    }

    private List<String> consumers() {
        List<String> names = new ArrayList<>();
        try {
            for (Object raw : this.connection.sync().xinfoConsumers(bytes(this.stream), bytes("swoole-task"))) {
                List<?> fields = (List<?>) raw;
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    if ("name".equals(text(fields.get(i)))) {
                        names.add(text(fields.get(i + 1)));
                    }
                }
            }
        }
        catch (RuntimeException ex) {
            // the stream or group does not exist yet
        }
        return names;
    }

    private static String text(Object value) {
        return (value instanceof byte[] raw) ? new String(raw, StandardCharsets.UTF_8) : String.valueOf(value);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        }
        catch (Exception ex) {
            return "(no output)";
        }
    }

    /** Posts {@code TASKS} tasks at about 1000 a second, retrying each until Redis takes it; returns how many. */
    private Thread producer(AtomicInteger posted, AtomicBoolean failed) {
        Thread thread = new Thread(() -> {
            StatefulRedisConnection<byte[], byte[]> producer = this.client.connect(ByteArrayCodec.INSTANCE);
            try {
                for (int i = 0; i < TASKS; i++) {
                    byte[] frame = RawFrames.task(i + 1, "task-" + i);
                    long deadline = System.nanoTime() + DEADLINE.toNanos();
                    while (true) {
                        try {
                            producer.sync().xadd(bytes(this.stream), Map.of(bytes("frame"), frame));
                            break;
                        }
                        catch (RuntimeException ex) {
                            if (System.nanoTime() > deadline) {
                                throw ex;
                            }
                            Thread.sleep(20);
                        }
                    }
                    posted.incrementAndGet();
                    if (i % 10 == 0) {
                        Thread.sleep(10);
                    }
                }
            }
            catch (Exception ex) {
                failed.set(true);
            }
            finally {
                producer.close();
            }
        }, "many-hosts-producer");
        thread.start();
        return thread;
    }

    private long handled() {
        Long n = this.connection.sync().scard(bytes(this.stream + ":handled"));
        return (n != null) ? n : 0;
    }

    private long runs() {
        byte[] value = this.connection.sync().get(bytes(this.stream + ":runs"));
        return (value != null) ? Long.parseLong(new String(value, StandardCharsets.UTF_8)) : 0;
    }

    @Test
    void anInstanceKilledMidFlowLosesNothing() throws Exception {
        Process first = instance("first");
        instance("second");
        AtomicInteger posted = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        Thread producer = producer(posted, failed);
        await("a flow of tasks").atMost(DEADLINE).until(() -> handled() > 500);
        first.destroyForcibly();
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        long heldByTheDead = this.connection.sync().xpending(bytes(this.stream), bytes("swoole-task"))
            .getConsumerMessageCount().getOrDefault("first-0", 0L)
                + this.connection.sync().xpending(bytes(this.stream), bytes("swoole-task"))
                    .getConsumerMessageCount().getOrDefault("first-1", 0L);
        System.out.println("kill -9 test: the killed instance held " + heldByTheDead + " pending entries");
        producer.join(DEADLINE.toMillis());
        assertThat(failed.get()).isFalse();
        assertThat(posted.get()).isEqualTo(TASKS);
        await("every task handled at least once").atMost(DEADLINE).until(() -> handled() == TASKS);
        await("the survivor claimed what the dead instance held").atMost(DEADLINE)
            .until(() -> this.connection.sync().xpending(bytes(this.stream), bytes("swoole-task")).getCount() == 0);
        System.out.printf("kill -9 test: %d tasks, %d handled, %d runs: %d duplicates%n", TASKS, handled(), runs(),
                runs() - handled());
        assertThat(runs()).isGreaterThanOrEqualTo(TASKS);
        assertThat(read(this.tmp.resolve("second.out"))).as("the survivor says it claimed entries")
            .contains("Consumer second-").contains("claimed");
    }

    @Test
    void aRedisRestartMidFlowLosesNothing() throws Exception {
        instance("left");
        instance("right");
        AtomicInteger posted = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        Thread producer = producer(posted, failed);
        await("a flow of tasks").atMost(DEADLINE).until(() -> handled() > 500);
        redis.restart();
        producer.join(DEADLINE.toMillis());
        assertThat(failed.get()).isFalse();
        assertThat(posted.get()).isEqualTo(TASKS);
        await("every task handled at least once").atMost(DEADLINE).until(() -> handled() == TASKS);
        for (Process instance : this.instances) {
            assertThat(instance.isAlive()).as("both instances went on").isTrue();
        }
        await().atMost(DEADLINE)
            .until(() -> this.connection.sync().xpending(bytes(this.stream), bytes("swoole-task")).getCount() == 0);
        System.out.printf("redis restart test: %d tasks, %d handled, %d runs: %d duplicates%n", TASKS, handled(),
                runs(), runs() - handled());
    }

}
