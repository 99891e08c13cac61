package io.github.swooletask.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.SysVTransport;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.SpillFiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project's PHP client (clients/php) against the running sample app, in ipc-mode 2 and 3: its PHPUnit
 * integration suite (every layout, text of every size, arrays, a record, a failing handler, two callers at once, a
 * refused reply queue), then, with the app stopped, a call that gets no answer and exits 3 after its timeout. The
 * task queue is world-writable (0666) here so that the reply-queue rule has posters to protect against.
 */
class PhpClientIntegrationTests {

    private static final Path CLIENT = Path.of("..", "clients", "php").toAbsolutePath().normalize();

    /** Where the PHP client spills large tasks (PHP's sys_get_temp_dir()). */
    private static final Path PHP_TMPDIR = Path.of("/tmp");

    @TempDir
    Path tmp;

    private ConfigurableApplicationContext app;

    private int key;

    @AfterEach
    void stopAppAndRemoveQueue() {
        try {
            if (this.app != null) {
                this.app.close();
            }
        }
        finally {
            if (this.key != 0 && MessageQueue.exists(this.key)) {
                MessageQueue queue = MessageQueue.openExisting(this.key);
                // tasks a failed run left behind: their spill files go with them, as a worker would delete them
                new SysVTransport(queue, IpcMode.MSGQUEUE_PREEMPTIVE, 2)
                    .purge(new FrameDecoder(new SpillFiles(PHP_TMPDIR, 16L << 20))::discard);
                queue.remove();
            }
        }
    }

    @ParameterizedTest(name = "ipc-mode {0}")
    @ValueSource(ints = { 2, 3 })
    void thePhpClientTalksToTheSampleApp(int mode) throws Exception {
        this.key = freeKey();
        String hexKey = String.format("0x%08x", this.key);
        this.app = new SpringApplicationBuilder(SampleApplication.class).run("--swoole.task.ipc-mode=" + mode,
                "--swoole.task.message-queue-key=" + hexKey, "--swoole.task.message-queue-perms=0666",
                "--swoole.task.dead-letter.directory=" + this.tmp.resolve("dead"), "--server.port=0",
                "--logging.level.io.github.swooletask=ERROR");
        String port = this.app.getEnvironment().getProperty("local.server.port");

        Set<Path> spillFilesBefore = spillFiles();
        Result suite = run(List.of("phpunit", "-c", CLIENT.resolve("phpunit.xml.dist").toString(), "--testsuite",
                "integration"), hexKey, "http://127.0.0.1:" + port, 300);
        assertThat(suite.exitCode()).as("PHPUnit against the app:%n%s", suite.output()).isZero();
        assertThat(suite.output()).contains("OK (").doesNotContain("Skipped");
        Set<Path> left = spillFiles();
        left.removeAll(spillFilesBefore);
        assertThat(left).as("spill files the suite's tasks and replies left in %s", PHP_TMPDIR).isEmpty();

        this.app.close();
        this.app = null;
        long start = System.nanoTime();
        Result call = run(List.of("php", CLIENT.resolve("bin/swoole-task").toString(), "call", "--key", hexKey,
                "--name", "echo", "--timeout", "1", "anyone there?"), hexKey, "", 30);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(call.exitCode()).as(call.output()).isEqualTo(3);
        assertThat(millis).as("gave up after its 1 s timeout").isGreaterThanOrEqualTo(1000);
    }

    private static Set<Path> spillFiles() throws IOException {
        try (Stream<Path> files = Files.list(PHP_TMPDIR)) {
            return files.filter((file) -> file.getFileName().toString().startsWith(SpillFiles.PREFIX))
                .collect(Collectors.toCollection(HashSet::new));
        }
    }

    private static int freeKey() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int key = 0x5a5b0000 | ThreadLocalRandom.current().nextInt(1, 0x10000);
            if (!MessageQueue.exists(key)) {
                return key;
            }
        }
        throw new IllegalStateException("no free key in 0x5a5bxxxx");
    }

    private Result run(List<String> command, String key, String url, int timeoutSeconds)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile(this.tmp, "php", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("SWOOLE_TASK_KEY", key);
        builder.environment().put("SWOOLE_TASK_URL", url);
        Process process;
        try {
            process = builder.start();
        }
        catch (IOException ex) {
            throw new IOException(command.get(0) + " is needed for this test (apt-get install php8.2-cli phpunit;"
                    + " .ci/run installs them): " + ex.getMessage(), ex);
        }
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(command + " did not end within " + timeoutSeconds + " s:\n"
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String output) {
    }
}
