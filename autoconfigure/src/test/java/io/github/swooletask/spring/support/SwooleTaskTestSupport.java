package io.github.swooletask.spring.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.endpoint.SwooleTaskEndpointAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.health.SwooleTaskHealthContributorAutoConfiguration;
import io.github.swooletask.spring.autoconfigure.metrics.SwooleTaskMetricsAutoConfiguration;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.TaskTransport;

/**
 * Spring set-up shared by the autoconfigure tests: contexts with every swoole-task auto-configuration on private
 * queues, and the queue of a context. Raw frames are sent with the core test support's
 * {@link io.github.swooletask.support.RawFrames}; waits are Awaitility's.
 */
public final class SwooleTaskTestSupport {

    /** The longest any test waits for the workers. */
    public static final Duration DEADLINE = Duration.ofSeconds(15);

    private SwooleTaskTestSupport() {
    }

    /** The swoole-task, metrics, endpoint and health auto-configurations with Boot's own they build on. */
    public static AutoConfigurations allAutoConfigurations() {
        return AutoConfigurations.of(SwooleTaskAutoConfiguration.class, SwooleTaskMetricsAutoConfiguration.class,
                SwooleTaskEndpointAutoConfiguration.class, SwooleTaskHealthContributorAutoConfiguration.class,
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

    /**
     * A runner of the programming model alone, on an in-memory transport of {@code capacity} bytes in ipc-mode 3:
     * one worker, no retry, no dead letters, spill files in {@code tmp}. {@code autoConfigurations} join the
     * placeholder, Jackson and swoole-task auto-configurations.
     */
    public static ApplicationContextRunner inMemoryRunner(Path tmp, long capacity, Class<?>... autoConfigurations) {
        Class<?>[] all = new Class<?>[autoConfigurations.length + 3];
        all[0] = PropertyPlaceholderAutoConfiguration.class;
        all[1] = JacksonAutoConfiguration.class;
        all[2] = SwooleTaskAutoConfiguration.class;
        System.arraycopy(autoConfigurations, 0, all, 3, autoConfigurations.length);
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(all))
            .withBean(TaskTransport.class, () -> new InMemoryTransport(IpcMode.MSGQUEUE_PREEMPTIVE, 1, capacity))
            .withPropertyValues("swoole.task.tmpdir=" + tmp, "swoole.task.worker-num=1",
                    "swoole.task.dead-letter.enabled=false", "swoole.task.retry.max-retries=0");
    }

    /** The properties every test context sets. */
    public static String[] properties(Path root) {
        Path tmp = directory(root.resolve("tmp"));
        Path deadLetters = directory(root.resolve("dead-letters"));
        return new String[] { "swoole.task.tmpdir=" + tmp, "swoole.task.dead-letter.directory=" + deadLetters,
            "swoole.task.state-directory=" + root.resolve("state"),
            "swoole.task.ipc-mode=3", "swoole.task.worker-num=2", "swoole.task.shutdown-timeout=5s" };
    }

    /** The directory, made with its parents if missing. */
    public static Path directory(Path path) {
        try {
            return Files.createDirectories(path);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * A bean with one named handler that does nothing: an application without any {@code @TaskHandler} starts no
     * workers, so tests of the workers' machinery that need no handler of their own add this one.
     */
    public static class NoOpHandler {

        /** The task name the handler takes. */
        public static final String NAME = "test-support.no-op";

        @TaskHandler(NAME)
        public void ignore(byte[] payload) {
        }
    }

    /** The System V queue of the context's transport. */
    public static MessageQueue queue(ApplicationContext context) {
        return ((SysVTransport) context.getBean(TaskTransport.class)).queue();
    }
}
