package io.github.swooletask.interop;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.support.RawFrames;
import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.DataHead;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.WireFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both layouts interleaved on one real queue: Swoole 1.7.2's 12-byte frames and the 40-byte frames Swoole 6.1.9
 * wrote (the reference's captured bytes), spills of each included, and Swoole's non-task types in between. Every
 * task arrives once, intact, with its layout; every other message is rejected with its reason.
 */
class BothLayoutsIntegrationTests {

    /** {@code Swoole\Server\Task::pack('hello')} from a real Swoole 6.1.9. */
    private static final String PACK_HELLO = "0000000000000000000000000000000005000000000008000000840000000000"
            + "7d5bdffdbdc3da4168656c6c6f";

    @RegisterExtension
    final SysVQueueExtension queues = SysVQueueExtension.keyedQueue(0x51590001, 0x5159ffff);

    @TempDir
    Path tmp;

    @Test
    void preemptiveWorkersReadEveryLayoutOnOneQueue() throws Exception {
        exchange(IpcMode.MSGQUEUE_PREEMPTIVE);
    }

    @Test
    void directedWorkersReadEveryLayoutOnOneQueue() throws Exception {
        exchange(IpcMode.MSGQUEUE);
    }

    private void exchange(IpcMode mode) throws Exception {
        try (LivePool pool = LivePool.on(this.queues.queue(), mode, 2, LivePool.spillFiles(this.tmp))) {
            List<byte[]> messages = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            byte[] big = "B".repeat(9000).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 20; i++) {
                messages.add(RawFrames.task(100 + i, "classic " + i));
                expected.add("SWOOLE_1_7:classic " + i);
                messages.add(RawFrames.dataHead(200 + i, DataHead.TYPE_TASK_6_1, TaskFlags.NONBLOCK | TaskFlags.NOREPLY,
                        ("modern " + i).getBytes(StandardCharsets.US_ASCII)));
                expected.add("SWOOLE_6_1:modern " + i);
                messages.add(RawFrames.dataHead(300 + i, DataHead.TYPE_TASK_4_8, TaskFlags.NONBLOCK,
                        ("four-eight " + i).getBytes(StandardCharsets.US_ASCII)));
                expected.add("SWOOLE_4_8:four-eight " + i);
            }
            messages.add(HexFormat.of().parseHex(PACK_HELLO));
            expected.add("SWOOLE_6_1:hello");
            messages.add(RawFrames.dataHead(400, DataHead.TYPE_TASK_6_1, 0x86,
                    "a:2:{i:0;i:1;i:1;i:2;}".getBytes(StandardCharsets.US_ASCII)));
            messages.add(modernSpill(401, big));
            expected.add("SWOOLE_6_1:" + "B".repeat(9000));
            messages.add(classicSpill(402, big));
            expected.add("SWOOLE_1_7:" + "B".repeat(9000));
            // Swoole's non-tasks: a 6.1 shutdown and a 4.8 pipe message, both rejected, not run
            messages.add(RawFrames.dataHead(500, DataHead.TYPE_SHUTDOWN_6_1, 0, new byte[0]));
            messages.add(RawFrames.dataHead(501, DataHead.TYPE_PIPE_MESSAGE_4_8, 0, new byte[8]));
            for (byte[] message : messages) {
                RawFrames.send(this.queues.queue(), 2, message);
            }

            List<LivePool.Received> received = pool.awaitReceived(expected.size() + 1);
            pool.assertWorkersAlive();
            List<String> seen = new ArrayList<>();
            for (LivePool.Received task : received) {
                if (task.value() != null) {
                    assertThat(task.format()).isEqualTo(WireFormat.SWOOLE_6_1);
                    assertThat(task.value()).isEqualTo(List.of(1L, 2L));
                    continue;
                }
                seen.add(task.format() + ":" + task.text());
            }
            assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(pool.pool.statistics().rejectedCount(RejectReason.UNKNOWN_TYPE)).isEqualTo(2);
            assertThat(pool.pool.statistics().rejectedCount()).isEqualTo(2);
            try (var files = Files.list(this.tmp)) {
                assertThat(files).as("both spill files read and deleted").isEmpty();
            }
        }
    }

    private byte[] modernSpill(long taskId, byte[] data) throws Exception {
        Path file = Files.write(Files.createTempFile(this.tmp, "swoole.task.", ""), data);
        ByteBuffer body = ByteBuffer.allocate(DataHead.SPILL_LENGTH).order(ByteOrder.nativeOrder());
        body.putLong(data.length).put(file.toString().getBytes(StandardCharsets.UTF_8));
        return RawFrames.dataHead(taskId, DataHead.TYPE_TASK_6_1, 0x85, body.array());
    }

    private byte[] classicSpill(int taskId, byte[] data) throws Exception {
        Path file = Files.write(Files.createTempFile(this.tmp, "swoole.task", ""), data);
        ByteBuffer body = ByteBuffer.allocate(152).order(ByteOrder.nativeOrder());
        body.putInt(data.length).put(file.toString().getBytes(StandardCharsets.UTF_8));
        return RawFrames.frame(taskId, 152, 0, 7, TaskFlags.TMPFILE | TaskFlags.NONBLOCK, body.array());
    }

}
