package io.github.swooletask.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.memory.InMemoryTransport;
import io.github.swooletask.support.LogCapture;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.SpillFiles;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.worker.ReplySink;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/** What other programs send never forges a log line: a task name or spill path with line breaks stays one line. */
class LogInjectionTest {

    /** A task name that would write a whole forged ERROR line and clear the screen of whoever tails the log. */
    private static final String FORGED = "orders\n12:00:00.000 [main] ERROR Security - admin password is 1234\r\u001b[2J";

    @TempDir
    Path tmp;

    private final InMemoryTransport transport = InMemoryTransport.preemptive(1);

    private TaskWorkerPool pool;

    @AfterEach
    void close() {
        if (this.pool != null) {
            this.pool.stop(Duration.ofSeconds(5));
        }
        this.transport.close();
    }

    @Test
    void aTaskNameWithLineBreaksAndEscapesIsRejectedInOneEscapedLine() {
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 20);
        // as the Spring handler registry rejects a name no handler takes: the detail quotes the name as it came
        this.pool = new TaskWorkerPool(this.transport, spill, (task) -> {
            throw new FrameRejectedException(RejectReason.NO_HANDLER, "task " + task.taskId()
                    + ": no @TaskHandler takes the task name '" + task.route() + "'");
        }, ReplySink.NONE, 1, TaskWorkerPool.threadFactory("log-injection-"));
        byte[] name = FORGED.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(1 + name.length + 2).put((byte) name.length).put(name)
            .put("hi".getBytes(StandardCharsets.US_ASCII));
        try (LogCapture log = LogCapture.of("io.github.swooletask.worker")) {
            this.pool.start();
            this.transport.post(0, RawFrames.frame(7, TaskFrame.TYPE_TASK, TaskFlags.ROUTED | TaskFlags.NONBLOCK,
                    data.array()));
            await().until(() -> this.pool.statistics().rejectedCount(RejectReason.NO_HANDLER) == 1);
            assertThat(log.eventsContaining("no @TaskHandler")).hasSize(1);
            assertThat(log.physicalLines()).as("lines written: %s", log.text()).hasSize(1);
            assertThat(log.text()).doesNotContain("\u001b").doesNotContain("\r")
                .contains("task name 'orders\\n12:00:00.000 [main] ERROR Security - admin password is 1234\\r\\e[2J'");
        }
    }

    @Test
    void aSpillPathWithLineBreaksIsQuotedEscaped() {
        SpillFiles spill = new SpillFiles(this.tmp, 1 << 20);
        String path = this.tmp.resolve(SpillFiles.PREFIX + "x\nWARN forged\u001b[0m").toString();
        assertThatExceptionOfType(FrameRejectedException.class).isThrownBy(() -> spill.readAndDelete(path, 10))
            .satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("\n").doesNotContain("\u001b")
                .contains("x\\nWARN forged\\e[0m"));
        String outside = "/etc/" + SpillFiles.PREFIX + "\rERROR";
        assertThatExceptionOfType(FrameRejectedException.class).isThrownBy(() -> spill.readAndDelete(outside, 10))
            .satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("\r"));
    }
}
