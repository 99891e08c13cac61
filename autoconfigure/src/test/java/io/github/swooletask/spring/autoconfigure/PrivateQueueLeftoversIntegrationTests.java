package io.github.swooletask.spring.autoconfigure;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.PrivateQueueOwner;
import io.github.swooletask.sysv.PrivateQueueRegistry;
import io.github.swooletask.transport.TaskTransport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The private queue of a run killed with {@code kill -9} (a real process, SIGKILL) is removed when the next context
 * starts on the same state directory; the context's own queue is recorded while it runs and forgotten at close.
 */
class PrivateQueueLeftoversIntegrationTests {

    @TempDir
    Path root;

    private Process owner;

    @BeforeEach
    void supported() {
        assumeTrue(MessageQueue.isSupported(), "System V message queues are not available here");
    }

    @AfterEach
    void cleanUp() {
        if (this.owner != null) {
            this.owner.destroyForcibly();
        }
        // what the test made and the code under test did not remove; it is ours as long as the registry has it
        new PrivateQueueRegistry(this.root.resolve("state")).removeLeftovers();
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aQueueLeftByAKilledRunIsRemovedAtTheNextStart() throws Exception {
        Path state = this.root.resolve("state");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        this.owner = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-Xmx64m", "-cp",
                classPath(), PrivateQueueOwner.class.getName(), state.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(this.owner.getInputStream(),
                StandardCharsets.UTF_8));
        this.owner.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        this.owner.getOutputStream().flush();
        String line;
        do {
            line = out.readLine();
        }
        while (line != null && !line.startsWith("created "));
        assertThat(line).as("the owner created its queue").isNotNull();
        int leftover = Integer.parseInt(line.split(" ")[1]);
        this.owner.destroyForcibly();
        this.owner.waitFor();
        assertThat(listed(leftover)).as("kill -9 left the queue").isTrue();
        SwooleTaskTestSupport.runner(this.root).withBean(SwooleTaskTestSupport.NoOpHandler.class).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(listed(leftover)).as("removed at the start").isFalse();
            int own = context.getBean(TaskTransport.class).status().queueId();
            assertThat(Files.readString(state.resolve(PrivateQueueRegistry.FILE_NAME))).contains(own + " ");
        });
        assertThat(Files.readString(state.resolve(PrivateQueueRegistry.FILE_NAME)).lines()
            .filter((record) -> !record.startsWith("#"))).as("forgotten at close").isEmpty();
    }

    private static boolean listed(int msqid) throws Exception {
        return Files.readAllLines(Path.of("/proc/sysvipc/msg")).stream()
            .skip(1)
            .map((entry) -> entry.trim().split("\\s+")[1])
            .anyMatch(Integer.toString(msqid)::equals);
    }

    /** The test class path; surefire may run this JVM from a manifest-only jar. */
    private static String classPath() {
        String classPath = System.getProperty("java.class.path");
        if (!classPath.contains("test-classes") && System.getProperty("surefire.test.class.path") != null) {
            classPath = System.getProperty("surefire.test.class.path");
        }
        return classPath;
    }
}
