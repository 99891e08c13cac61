package io.github.swooletask.spring.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.swooletask.spring.autoconfigure.SwooleTaskAutoConfiguration;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.SysVQueueExtension;

import static org.awaitility.Awaitility.await;

/**
 * Shared set-up of the reliability tests: contexts, their key range 0x515cxxxx (for a {@link SysVQueueExtension}),
 * the kernel's list of queues, and the files a test leaves.
 */
final class ReliabilitySupport {

    /** The longest a test waits for something that normally takes milliseconds. */
    static final Duration DEADLINE = Duration.ofSeconds(20);

    /** The first and last key of the reliability tests' queues. */
    static final int FIRST_KEY = 0x515c0001;

    static final int LAST_KEY = 0x515cffff;

    private ReliabilitySupport() {
    }

    /** No queue before each test, free keys of this test set's range, removed after each test. */
    static SysVQueueExtension keys() {
        return SysVQueueExtension.keysOnly(FIRST_KEY, LAST_KEY);
    }

    /**
     * A runner with the swoole-task and Jackson auto-configurations, two workers, spill files in {@code root/tmp},
     * dead letters in {@code root/dead}, and a short shutdown timeout. No ipc-mode: each test picks its own.
     */
    static ApplicationContextRunner runner(Path root) {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SwooleTaskAutoConfiguration.class))
            .withPropertyValues("swoole.task.tmpdir=" + directory(root.resolve("tmp")),
                    "swoole.task.dead-letter.directory=" + root.resolve("dead"),
                    "swoole.task.state-directory=" + root.resolve("state"), "swoole.task.worker-num=2",
                    "swoole.task.shutdown-timeout=5s");
    }

    static Path directory(Path path) {
        return SwooleTaskTestSupport.directory(path);
    }

    static String hex(int key) {
        return String.format("0x%08x", key);
    }

    /**
     * Waits until {@code value} stays the same for {@code quiet} (nothing more happens: no late or repeated task),
     * failing after {@code deadline}.
     */
    static <T> void awaitSettled(String what, Duration quiet, Duration deadline, Supplier<T> value) {
        AtomicReference<T> last = new AtomicReference<>(value.get());
        await(what).during(quiet).atMost(deadline).until(() -> {
            T now = value.get();
            return Objects.equals(last.getAndSet(now), now);
        });
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
