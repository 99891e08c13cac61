package io.github.swooletask.spring.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.TaskTransport;

import static org.assertj.core.api.Assertions.fail;

/** Shared set-up of the reliability tests: contexts, keys in 0x515cxxxx, raw sends, waiting with a deadline. */
final class ReliabilitySupport {

    /** The longest a test waits for something that normally takes milliseconds. */
    static final Duration DEADLINE = Duration.ofSeconds(20);

    private ReliabilitySupport() {
    }

    /**
     * A runner with the swoole-task and Jackson auto-configurations, two workers, spill files in {@code root/tmp},
     * dead letters in {@code root/dead}, and a short shutdown timeout. No ipc-mode: each test picks its own.
     */
    static ApplicationContextRunner runner(Path root) {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withPropertyValues("swoole.task.tmpdir=" + directory(root.resolve("tmp")),
                    "swoole.task.dead-letter.directory=" + root.resolve("dead"), "swoole.task.worker-num=2",
                    "swoole.task.shutdown-timeout=5s");
    }

    static Path directory(Path path) {
        try {
            return Files.createDirectories(path);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A random key in this test set's range 0x515c0001..0x515cffff. */
    static int randomKey() {
        return 0x515c0000 | ThreadLocalRandom.current().nextInt(1, 0x10000);
    }

    static String hex(int key) {
        return String.format("0x%08x", key);
    }

    /** Removes the queue with this key if it exists; call only after every process using it has stopped. */
    static void removeKey(int key) {
        if (MessageQueue.exists(key)) {
            MessageQueue.openExisting(key).remove();
        }
    }

    /** The System V queue of a context's transport. */
    static MessageQueue queue(ApplicationContext context) {
        return ((SysVTransport) context.getBean(TaskTransport.class)).queue();
    }

    /** Sends raw bytes as one message; fails the test when the queue is full. */
    static void sendRaw(MessageQueue queue, long mtype, byte[] text) {
        MessageBuffer buffer = MessageBuffer.allocate(Math.max(text.length, 1));
        buffer.text().put(0, text);
        if (!queue.send(buffer, mtype, text.length, false)) {
            fail("queue %s is full", queue);
        }
    }

    /** Sends one well-formed task without a name (for the default handler), as an external program would. */
    static void sendTask(MessageQueue queue, long mtype, int taskId, String payload, Path tmpdir) {
        io.github.swooletask.spring.metrics.SwooleTaskTestSupport.sendTask(queue, mtype, taskId, payload, tmpdir);
    }

    /** Waits until the condition holds, failing after {@link #DEADLINE}. */
    static void await(String what, BooleanSupplier condition) {
        await(what, DEADLINE, condition);
    }

    /** Waits until the condition holds, failing after {@code deadline}. */
    static void await(String what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("gave up after %s waiting for: %s", deadline, what);
            }
            sleep(5);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    /** Ids of every System V message queue on the host ({@code /proc/sysvipc/msg}). */
    static Set<Integer> queueIds() {
        Set<Integer> ids = new HashSet<>();
        for (String[] row : sysvRows()) {
            ids.add(Integer.parseInt(row[1]));
        }
        return ids;
    }

    /** The key of the queue with this id, or null when there is none. */
    static Long keyOfQueueId(int id) {
        for (String[] row : sysvRows()) {
            if (Integer.parseInt(row[1]) == id) {
                return Long.parseLong(row[0]);
            }
        }
        return null;
    }

    private static List<String[]> sysvRows() {
        try {
            return Files.readAllLines(Path.of("/proc/sysvipc/msg")).stream().skip(1).map(String::trim)
                .filter((line) -> !line.isEmpty()).map((line) -> line.split("\\s+")).toList();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Files in a directory, none when it does not exist. */
    static List<Path> filesIn(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (var stream = Files.list(directory)) {
            return stream.sorted().toList();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
