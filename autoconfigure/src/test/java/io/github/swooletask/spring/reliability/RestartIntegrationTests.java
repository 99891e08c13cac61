package io.github.swooletask.spring.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.support.RawFrames;
import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.sysv.MessageQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Restarts of a real application in its own JVM ({@link ReliabilityApp}) on a keyed queue in ipc-mode 3 with two
 * workers: after SIGTERM every task is handled exactly once across the restart (except the abandoned ones the log
 * names); after {@code kill -9} none twice and at most one per worker lost; a private queue goes with its process.
 */
class RestartIntegrationTests {

    private static final int TASKS = 300;

    private static final int WORKERS = 2;

    private static final Duration START_DEADLINE = Duration.ofSeconds(60);

    private static final Pattern ABANDONED = Pattern.compile("abandoned task ids: \\[([0-9, ]*)\\]");

    @RegisterExtension
    final SysVQueueExtension queues = ReliabilitySupport.keys();

    @TempDir
    Path root;

    private final List<Process> children = new ArrayList<>();

    private final List<Runnable> cleanups = new ArrayList<>();

    /** Runs before the extension removes the keyed queues: a live child would create one again. */
    @AfterEach
    void stopChildrenThenRemoveQueues() throws InterruptedException {
        for (Process child : this.children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
            child.waitFor(30, TimeUnit.SECONDS);
        }
        // only now: a live child would create a keyed queue again
        for (Runnable cleanup : this.cleanups) {
            cleanup.run();
        }
    }

    @Test
    void sigtermMidBacklogThenRestartHandlesEveryTaskExactlyOnce() throws Exception {
        int key = this.queues.freeKey();
        MessageQueue queue = postTasks(key);
        Path out = this.root.resolve("handled.txt");

        Process first = startAndHandle100(key, out);
        first.destroy(); // SIGTERM
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("first process exits after SIGTERM").isTrue();
        assertThat(first.exitValue()).isEqualTo(143);
        String firstLog = log("first");
        assertThat(firstLog).as("graceful stop logged").containsPattern("Stopped 2 task worker|abandoned task ids");
        Set<String> abandoned = abandoned(firstLog);
        List<String> handledByFirst = lines(out);
        assertThat(handledByFirst.size()).as("the first process stopped mid-backlog").isLessThan(TASKS);
        assertThat(queue.stats().messages()).as("tasks left in the keyed queue").isPositive();

        Process second = start("second", out, keyed(key));
        Set<String> expected = payloads();
        expected.removeAll(abandoned);
        await("every task not abandoned handled").atMost(START_DEADLINE)
            .until(() -> lines(out).containsAll(expected) || !second.isAlive());
        await("the queue drained").atMost(ReliabilitySupport.DEADLINE).until(() -> queue.stats().messages() == 0);
        ReliabilitySupport.awaitSettled("the handled file to settle", Duration.ofMillis(300), START_DEADLINE,
                () -> lines(out).size());
        second.destroy();
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();

        Map<String, Long> counts = counts(lines(out));
        assertThat(counts.keySet()).as("only posted payloads").isSubsetOf(payloads());
        assertThat(duplicates(counts)).as("payloads handled twice").isEmpty();
        assertThat(counts.keySet()).as("every payload not abandoned (abandoned: %s)", abandoned)
            .containsAll(expected);
        assertThat(abandoned).as("abandoned ids are real tasks").isSubsetOf(payloads());
        System.out.printf("RestartIntegrationTests SIGTERM: %d handled before SIGTERM, abandoned %s, %d handled in all%n",
                handledByFirst.size(), abandoned, counts.size());
    }

    @Test
    void sigtermWithHandlersSlowerThanTheShutdownTimeoutNamesTheAbandonedTasks() throws Exception {
        int key = this.queues.freeKey();
        MessageQueue queue = MessageQueue.open(key, 0600);
        Path tmp = ReliabilitySupport.directory(this.root.resolve("tmp"));
        int tasks = 6;
        for (int i = 1; i <= tasks; i++) {
            RawFrames.sendTask(queue, 2, i, "task-" + i, tmp);
        }
        Path out = this.root.resolve("handled.txt");
        List<String> slow = new ArrayList<>(keyed(key));
        slow.add("-Dreliability.sleep-ms=60000");
        slow.add("-Dswoole.task.shutdown-timeout=500ms");
        Process first = start("first", out, slow);
        await("both workers busy with a task").atMost(START_DEADLINE)
            .until(() -> queue.stats().messages() == tasks - WORKERS || !first.isAlive());
        assertThat(first.isAlive()).as("first process alive (log: %s)", log("first")).isTrue();
        first.destroy();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Set<String> abandoned = abandoned(log("first"));
        assertThat(abandoned).as("abandoned tasks named in the log: %s", log("first")).hasSize(WORKERS);
        assertThat(lines(out)).isEmpty();
        assertThat(queue.stats().messages()).isEqualTo(tasks - WORKERS);

        Process second = start("second", out, keyed(key));
        await("the rest handled").atMost(START_DEADLINE)
            .until(() -> lines(out).size() >= tasks - WORKERS || !second.isAlive());
        await("the queue drained").atMost(ReliabilitySupport.DEADLINE).until(() -> queue.stats().messages() == 0);
        ReliabilitySupport.awaitSettled("the handled file to settle", Duration.ofMillis(300), START_DEADLINE,
                () -> lines(out).size());
        second.destroy();
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();

        Set<String> expected = payloads(tasks);
        expected.removeAll(abandoned);
        assertThat(lines(out)).as("every task not abandoned, once").containsExactlyInAnyOrderElementsOf(expected);
        // the interrupted handlers failed: their tasks reached the dead-letter directory, whole, before the exit
        List<String> deadLetters = ReliabilitySupport.filesIn(this.root.resolve("dead")).stream()
            .map(RestartIntegrationTests::read).toList();
        assertThat(deadLetters).as("dead letters of the abandoned tasks").hasSize(WORKERS);
        for (String task : abandoned) {
            assertThat(deadLetters).as("dead letter of %s", task).anyMatch((text) -> text.endsWith("\n\n" + task)
                    && text.contains("task-id: " + task.substring("task-".length()) + "\n"));
        }
        System.out.printf("RestartIntegrationTests slow SIGTERM: abandoned %s, kept as dead letters%n", abandoned);
    }

    @Test
    void killDashNineThenRestartLosesAtMostOneTaskPerWorkerAndDuplicatesNone() throws Exception {
        int key = this.queues.freeKey();
        MessageQueue queue = postTasks(key);
        Path out = this.root.resolve("handled.txt");

        Process first = startAndHandle100(key, out);
        first.destroyForcibly(); // SIGKILL
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isEqualTo(137);
        int handledByFirst = lines(out).size();
        assertThat(handledByFirst).as("killed mid-backlog").isLessThan(TASKS);
        long waiting = queue.stats().messages();
        assertThat(waiting).as("tasks left in the keyed queue").isPositive();

        Process second = start("second", out, keyed(key));
        await("the queue drained").atMost(START_DEADLINE)
            .until(() -> (queue.stats().messages() == 0 && lines(out).size() >= handledByFirst + waiting)
                        || !second.isAlive());
        ReliabilitySupport.awaitSettled("the handled file to settle", Duration.ofMillis(300), START_DEADLINE,
                () -> lines(out).size());
        second.destroy();
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();

        Map<String, Long> counts = counts(lines(out));
        assertThat(counts.keySet()).as("only posted payloads").isSubsetOf(payloads());
        assertThat(duplicates(counts)).as("payloads handled twice").isEmpty();
        Set<String> lost = payloads();
        lost.removeAll(counts.keySet());
        assertThat(lost).as("tasks lost to kill -9: taken from the queue, handler unfinished")
            .hasSizeLessThanOrEqualTo(WORKERS);
        assertThat(lines(out).size()).isEqualTo(TASKS - lost.size());
        System.out.printf("RestartIntegrationTests kill -9: %d handled before the kill, %d waiting, lost %s%n",
                handledByFirst,
                waiting, lost);
    }

    @Test
    void privateQueueIsGoneAfterSigterm() throws Exception {
        Set<Integer> before = ReliabilitySupport.queueIds();
        Path out = this.root.resolve("handled.txt");
        Process child = start("private", out, List.of("-Dswoole.task.ipc-mode=3"));
        await("the child reports its queue id").atMost(START_DEADLINE)
            .until(() -> log("private").contains("RELIABILITY-READY") || !child.isAlive());
        Matcher matcher = Pattern.compile("RELIABILITY-QUEUE-ID=(\\d+)").matcher(log("private"));
        assertThat(matcher.find()).as("queue id in the log: %s", log("private")).isTrue();
        int id = Integer.parseInt(matcher.group(1));
        this.cleanups.add(() -> removeQueueId(id));
        assertThat(before).as("queues before the child started").doesNotContain(id);
        assertThat(ReliabilitySupport.queueIds()).as("queues while the child runs").contains(id);
        assertThat(ReliabilitySupport.keyOfQueueId(id)).as("key of the child's queue").isEqualTo(0L);

        child.destroy();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(143);
        assertThat(ReliabilitySupport.queueIds()).as("queues after SIGTERM").doesNotContain(id);
    }

    private MessageQueue postTasks(int key) {
        MessageQueue queue = MessageQueue.open(key, 0600);
        Path tmp = ReliabilitySupport.directory(this.root.resolve("tmp"));
        for (int i = 1; i <= TASKS; i++) {
            RawFrames.sendTask(queue, 2, i, "task-" + i, tmp);
        }
        assertThat(queue.stats().messages()).isEqualTo(TASKS);
        return queue;
    }

    private static List<String> keyed(int key) {
        return List.of("-Dswoole.task.ipc-mode=3", "-Dswoole.task.message-queue-key=" + ReliabilitySupport.hex(key));
    }

    /** Starts the first process on the keyed queue and waits until it has handled 100 tasks. */
    private Process startAndHandle100(int key, Path out) throws IOException {
        Process first = start("first", out, keyed(key));
        await("100 tasks handled by the first process").atMost(START_DEADLINE)
            .until(() -> lines(out).size() >= 100 || !first.isAlive());
        assertThat(first.isAlive()).as("first process alive (log: %s)", log("first")).isTrue();
        return first;
    }

    private Process start(String name, Path out, List<String> properties) throws IOException {
        String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(classPath());
        command.add("-Dswoole.task.worker-num=" + WORKERS);
        command.add("-Dswoole.task.tmpdir=" + ReliabilitySupport.directory(this.root.resolve("tmp")));
        command.add("-Dswoole.task.dead-letter.directory=" + this.root.resolve("dead"));
        command.add("-Dswoole.task.state-directory=" + this.root.resolve("state"));
        command.add("-Dswoole.task.shutdown-timeout=5s");
        command.add("-Dswoole.task.retry.max-retries=0");
        command.add("-Dreliability.out=" + out);
        command.add("-Dreliability.sleep-ms=10");
        command.add("-Dreliability.max-life-ms=120000");
        command.addAll(properties); // last: a repeated -D overrides the defaults above
        command.add(ReliabilityApp.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(this.root.resolve(name + ".log").toFile()).start();
        this.children.add(process);
        return process;
    }

    /** The test class path; surefire may run this JVM from a manifest-only jar. */
    private static String classPath() {
        String classPath = System.getProperty("java.class.path");
        if (!classPath.contains("test-classes") && System.getProperty("surefire.test.class.path") != null) {
            classPath = System.getProperty("surefire.test.class.path");
        }
        assertThat(classPath).as("test class path").contains("test-classes");
        return classPath;
    }

    private String log(String name) {
        try {
            Path file = this.root.resolve(name + ".log");
            return Files.exists(file) ? Files.readString(file) : "";
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static Set<String> abandoned(String log) {
        Set<String> ids = new LinkedHashSet<>();
        Matcher matcher = ABANDONED.matcher(log);
        while (matcher.find()) {
            for (String id : matcher.group(1).split(",")) {
                if (!id.isBlank()) {
                    ids.add("task-" + id.trim());
                }
            }
        }
        return ids;
    }

    /** Complete lines of the handled file (a line is written with one write call). */
    private static List<String> lines(Path file) {
        try {
            if (!Files.exists(file)) {
                return List.of();
            }
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            return (end < 0) ? List.of() : List.of(text.substring(0, end).split("\n"));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static Set<String> payloads() {
        return payloads(TASKS);
    }

    private static Set<String> payloads(int tasks) {
        return IntStream.rangeClosed(1, tasks).mapToObj((i) -> "task-" + i)
            .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static Map<String, Long> counts(List<String> lines) {
        Map<String, Long> counts = new HashMap<>();
        for (String line : lines) {
            counts.merge(line, 1L, Long::sum);
        }
        return counts;
    }

    private static List<String> duplicates(Map<String, Long> counts) {
        return counts.entrySet().stream().filter((entry) -> entry.getValue() > 1).map(Map.Entry::getKey).sorted()
            .toList();
    }

    private static void removeQueueId(int id) {
        if (!ReliabilitySupport.queueIds().contains(id)) {
            return;
        }
        try {
            new ProcessBuilder("ipcrm", "-q", Integer.toString(id)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
