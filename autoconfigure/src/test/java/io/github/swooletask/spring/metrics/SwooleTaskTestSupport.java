package io.github.swooletask.spring.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import io.github.swooletask.spring.autoconfigure.endpoint.SwooleTaskEndpointAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.health.SwooleTaskHealthContributorAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFrame;

import static org.assertj.core.api.Assertions.fail;

/** Shared set-up of the observability tests: contexts on private queues, raw sends, waiting with a deadline. */
public final class SwooleTaskTestSupport {

    /** The longest any test waits for the workers. */
    public static final Duration DEADLINE = Duration.ofSeconds(15);

    private SwooleTaskTestSupport() {
    }

    /** The swoole-task, metrics, endpoint and health auto-configurations with Boot's own they build on. */
    public static AutoConfigurations allAutoConfigurations() {
        return AutoConfigurations.of(SwooleTaskAutoConfiguration.class, SwooleTaskMetricsAutoConfiguration.class,
                SwooleTaskEndpointAutoConfiguration.class, SwooleTaskHealthAutoConfiguration.class,
                MetricsAutoConfiguration.class, EndpointAutoConfiguration.class,
                HealthContributorAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class);
    }

    /**
     * A runner on a private queue (no key) in ipc-mode 3 with two workers, spill and dead-letter directories under
     * {@code root}. Every context the runner makes is closed after its test, which removes the queue.
     */
    public static ApplicationContextRunner runner(Path root) {
        return new ApplicationContextRunner().withConfiguration(allAutoConfigurations())
            .withPropertyValues(properties(root));
    }

    /** The properties every test context sets. */
    public static String[] properties(Path root) {
        Path tmp = directory(root.resolve("tmp"));
        Path deadLetters = directory(root.resolve("dead-letters"));
        return new String[] { "swoole.task.tmpdir=" + tmp, "swoole.task.dead-letter.directory=" + deadLetters,
                "swoole.task.ipc-mode=3", "swoole.task.worker-num=2", "swoole.task.shutdown-timeout=5s" };
    }

    private static Path directory(Path path) {
        try {
            return Files.createDirectories(path);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The System V queue of the context's transport. */
    public static MessageQueue queue(ApplicationContext context) {
        return ((SysVTransport) context.getBean(TaskTransport.class)).queue();
    }

    /** Sends raw bytes as one message of type {@code mtype}. */
    public static void sendRaw(MessageQueue queue, long mtype, byte[] text) {
        MessageBuffer buffer = MessageBuffer.allocate(Math.max(text.length, 1));
        buffer.text().put(0, text);
        if (!queue.send(buffer, mtype, text.length, false)) {
            fail("queue %s is full", queue);
        }
    }

    /** Sends one well-formed task for the default handler as a message of type {@code mtype}. */
    public static void sendTask(MessageQueue queue, long mtype, int taskId, String payload, Path tmpdir) {
        MessageBuffer buffer = MessageBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE);
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        int length = new FrameEncoder(new SpillFiles(tmpdir, 1 << 20)).encode(buffer.text(), taskId, 0, 0, null,
                bytes, 0, bytes.length);
        if (!queue.send(buffer, mtype, length, false)) {
            fail("queue %s is full", queue);
        }
    }

    /** Waits until the condition holds, failing after {@link #DEADLINE}. */
    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("gave up after %s waiting for: %s", DEADLINE, what);
            }
            try {
                Thread.sleep(5);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: %s", what);
            }
        }
    }

    /** Sleeps past the queue gauges' status cache. */
    public static void pastStatusCache() {
        try {
            Thread.sleep(SwooleTaskMetrics.STATUS_CACHE_MILLIS + 30);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
