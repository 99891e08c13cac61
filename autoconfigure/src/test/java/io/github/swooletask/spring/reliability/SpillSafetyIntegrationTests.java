package io.github.swooletask.spring.reliability;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;
import io.github.swooletask.spring.lifecycle.TaskWorkerLifecycle;
import io.github.swooletask.spring.support.SwooleTaskTestSupport;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;
import io.github.swooletask.worker.TaskWorkerPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Spill paths that lead out of {@code swoole.task.tmpdir} are rejected ({@code spill-path}) and the file they point
 * at is neither read nor deleted: a {@code swoole.task*} symlink in tmpdir to a file outside, a path through
 * {@code ..}, and a hard link in tmpdir to a file outside. Tasks after them are handled.
 */
class SpillSafetyIntegrationTests {

    private static final byte[] SECRET = "outside content, must stay untouched\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;

    @Test
    void spillPathsLeadingOutOfTmpdirAreRejectedAndTheOutsideFileIsUntouched() throws Exception {
        Path tmp = ReliabilitySupport.directory(this.root.resolve("tmp"));
        Path outside = ReliabilitySupport.directory(this.root.resolve("outside"));
        Path secret = Files.write(outside.resolve("swoole.taskX"), SECRET);
        FileTime modified = Files.getLastModifiedTime(secret);
        Path symlink = Files.createSymbolicLink(tmp.resolve("swoole.task-link"), secret);
        String dotDot = tmp + "/../outside/swoole.taskX";
        Path secondSecret = Files.write(outside.resolve("swoole.taskY"), SECRET);
        Path hardLink = Files.createLink(tmp.resolve("swoole.task-hard"), secondSecret);
        Handler handler = new Handler();
        ReliabilitySupport.runner(this.root).withBean(Handler.class, () -> handler)
            .withPropertyValues("swoole.task.ipc-mode=3").run((context) -> {
                assertThat(context).hasNotFailed();
                context.getBean(TaskWorkerLifecycle.class).start();
                MessageQueue queue = SwooleTaskTestSupport.queue(context);
                TaskWorkerPool pool = context.getBean(TaskWorkerPool.class);

                RawFrames.send(queue, 2, spillMessage(1, symlink.toString(), SECRET.length));
                RawFrames.send(queue, 2, spillMessage(2, dotDot, SECRET.length));
                RawFrames.send(queue, 2, spillMessage(3, hardLink.toString(), SECRET.length));
                RawFrames.sendTask(queue, 2, 4, "valid after them", tmp);
                await("the valid task handled").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> handler.seen.contains("valid after them"));
                await("three spill-path rejections").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> pool.statistics().rejectedCount(RejectReason.SPILL_PATH) == 3);
                assertThat(pool.statistics().rejectedCount()).isEqualTo(3);
                assertThat(handler.seen).containsExactly("valid after them");

                // a payload spilled by this application still travels
                String large = "L".repeat(TaskFrame.SPILL_THRESHOLD + 500);
                context.getBean(TaskTemplate.class).dispatch(large);
                await("the spilled task handled").atMost(ReliabilitySupport.DEADLINE)
                    .until(() -> handler.seen.contains(large));
                assertThat(handler.spilled).containsExactly(large.length());
                assertThat(pool.statistics().processedCount()).isEqualTo(2);
            });
        assertThat(secret).exists().hasBinaryContent(SECRET);
        assertThat(Files.getLastModifiedTime(secret)).isEqualTo(modified);
        assertThat(Files.isSymbolicLink(symlink)).as("the symlink is left alone").isTrue();
        assertThat(secondSecret).exists().hasBinaryContent(SECRET);
        assertThat(hardLink).exists().hasBinaryContent(SECRET);
        assertThat(ReliabilitySupport.filesIn(tmp)).as("tmpdir holds no spill file of the processed task")
            .containsExactlyInAnyOrder(symlink, hardLink);
    }

    /** A TMPFILE message as Swoole writes it: header with length 152, then {@code int32 length | path | NUL}. */
    private static byte[] spillMessage(int taskId, String path, int declaredLength) {
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        assertThat(pathBytes.length).isLessThanOrEqualTo(TaskFrame.MAX_SPILL_PATH);
        ByteBuffer body = ByteBuffer.allocate(TaskFrame.SPILL_LENGTH).order(ByteOrder.nativeOrder());
        body.putInt(declaredLength);
        body.put(pathBytes);
        // the rest stays zero: the NUL terminator and padding to 152 bytes
        return RawFrames.frame(taskId, TaskFrame.TYPE_TASK, TaskFlags.TMPFILE | TaskFlags.NONBLOCK, body.array());
    }

    static class Handler {

        final List<String> seen = new CopyOnWriteArrayList<>();

        final List<Integer> spilled = new CopyOnWriteArrayList<>();

        @TaskHandler
        public void onTask(String payload, TaskContext context) {
            if (context.spilled()) {
                this.spilled.add(payload.length());
            }
            this.seen.add(payload);
        }
    }
}
