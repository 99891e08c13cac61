package io.github.swooletask.interop;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.github.swooletask.interop.LivePool.Received;
import io.github.swooletask.support.RawFrames;
import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.sysv.KernelLimits;
import io.github.swooletask.sysv.MessageQueueException;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.wire.DecodedTask;
import io.github.swooletask.wire.FrameDecoder;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.FrameRejectedException;
import io.github.swooletask.wire.RejectReason;
import io.github.swooletask.wire.TaskFlags;
import io.github.swooletask.wire.TaskFrame;

import static io.github.swooletask.support.Frames.task;
import static io.github.swooletask.support.RawFrames.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The bad inputs of contract section 6, each sent raw to a live pool between two valid tasks: the message is
 * rejected once for the right reason, both neighbours arrive, and the worker lives on.
 */
class MalformedMessageIntegrationTests {

    private static final byte[] SECRET = "outside tmpdir: never read, never deleted".getBytes(StandardCharsets.US_ASCII);

    @RegisterExtension
    final SysVQueueExtension queues = SysVQueueExtension.privateQueue();

    @TempDir
    Path tmp;

    @TempDir
    Path other;

    private LivePool live;

    private int nextTaskId = 1000;

    @AfterEach
    void tearDown() {
        if (this.live != null) {
            this.live.close();
        }
    }

    private LivePool live() {
        if (this.live == null) {
            this.live = LivePool.on(this.queues.queue(), IpcMode.MSGQUEUE_PREEMPTIVE, 1, LivePool.spillFiles(this.tmp));
        }
        return this.live;
    }

    /** A spilled task naming {@code path}, as the PHP client writes it: {@code int32 length | path | NUL}. */
    private static byte[] spilled(int taskId, int declared, String path) {
        return spilled(taskId, declared, path, TaskFlags.NONBLOCK);
    }

    private static byte[] spilled(int taskId, int declared, String path, int flags) {
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(4 + pathBytes.length + 1).order(ByteOrder.nativeOrder());
        body.putInt(declared).put(pathBytes).put((byte) 0);
        return frame(taskId, TaskFrame.SPILL_LENGTH, 0, TaskFrame.TYPE_TASK, TaskFlags.TMPFILE | flags, body.array());
    }

    /**
     * Sends a valid task, the bad message and another valid task, then checks: both valid tasks arrived in order,
     * exactly one rejection for {@code reason} and none other, and the worker is alive.
     */
    private void rejectedBetweenTwoValidTasks(byte[] bad, RejectReason reason) {
        LivePool pool = live();
        int before = this.nextTaskId++;
        int after = this.nextTaskId++;
        long rejectedBefore = pool.pool.statistics().rejectedCount(reason);
        long allRejectedBefore = pool.pool.statistics().rejectedCount();
        int receivedBefore = pool.received.size();
        pool.sendText(before, "before-" + before);
        RawFrames.send(pool.queue, 2, bad);
        pool.sendText(after, "after-" + after);
        List<Received> received = pool.awaitReceived(receivedBefore + 2);
        List<String> texts = new ArrayList<>();
        for (Received r : received.subList(receivedBefore, received.size())) {
            texts.add(r.taskId() + ":" + r.text());
        }
        assertThat(texts).containsExactly(before + ":before-" + before, after + ":after-" + after);
        assertThat(pool.pool.statistics().rejectedCount(reason) - rejectedBefore).as("rejected for %s", reason)
            .isEqualTo(1);
        assertThat(pool.pool.statistics().rejectedCount() - allRejectedBefore).as("rejected in all").isEqualTo(1);
        pool.assertWorkersAlive();
        assertThat(pool.pool.statistics().failedCount()).isZero();
    }

    private Path secretOutside(String name) throws Exception {
        return Files.write(this.other.resolve(name), SECRET);
    }

    private static void assertUntouched(Path file) throws Exception {
        assertThat(file).exists();
        assertThat(Files.readAllBytes(file)).containsExactly(SECRET);
    }

    @Test
    void shortHeader() {
        rejectedBetweenTwoValidTasks(new byte[] { 7, 0, 0, 0, 0 }, RejectReason.SHORT_HEADER);
    }

    @Test
    void emptyMessage() {
        rejectedBetweenTwoValidTasks(new byte[0], RejectReason.SHORT_HEADER);
    }

    @Test
    void lengthMismatch() {
        rejectedBetweenTwoValidTasks(frame(1, 10, 0, 7, TaskFlags.NONBLOCK, "12345".getBytes()),
                RejectReason.LENGTH_MISMATCH);
    }

    @Test
    void lengthFieldShorterThanTheData() {
        rejectedBetweenTwoValidTasks(frame(1, 2, 0, 7, TaskFlags.NONBLOCK, "12345".getBytes()),
                RejectReason.LENGTH_MISMATCH);
    }

    @Test
    void unknownType() {
        rejectedBetweenTwoValidTasks(frame(1, 3, 0, 8, TaskFlags.NONBLOCK, "abc".getBytes()),
                RejectReason.UNKNOWN_TYPE);
    }

    @Test
    void badFlags() {
        rejectedBetweenTwoValidTasks(frame(1, 3, 0, 7, 0x8000 | TaskFlags.NONBLOCK, "abc".getBytes()),
                RejectReason.BAD_FLAGS);
        rejectedBetweenTwoValidTasks(frame(2, 3, 0, 7, TaskFlags.SERIALIZE | TaskFlags.JSON, "i:1".getBytes()),
                RejectReason.BAD_FLAGS);
        rejectedBetweenTwoValidTasks(frame(3, 0, 0, 7, TaskFlags.BATCH | TaskFlags.SERIALIZE, new byte[0]),
                RejectReason.BAD_FLAGS);
    }

    @Test
    void spillPathOutsideTmpdir() throws Exception {
        Path outside = secretOutside("swoole.taskOUT");
        rejectedBetweenTwoValidTasks(spilled(1, SECRET.length, outside.toString()), RejectReason.SPILL_PATH);
        assertUntouched(outside);
    }

    @Test
    void spillPathThroughASymlink() throws Exception {
        Path outside = secretOutside("secret.txt");
        Path link = Files.createSymbolicLink(this.tmp.resolve("swoole.taskLINK"), outside);
        rejectedBetweenTwoValidTasks(spilled(1, SECRET.length, link.toString()), RejectReason.SPILL_PATH);
        assertUntouched(outside);
        Path linkedDir = Files.createSymbolicLink(this.tmp.resolve("dir"), this.other);
        Path viaDir = secretOutside("swoole.taskVIA");
        rejectedBetweenTwoValidTasks(spilled(2, SECRET.length, linkedDir + "/swoole.taskVIA"),
                RejectReason.SPILL_PATH);
        assertUntouched(viaDir);
    }

    @Test
    void spillPathThroughDotDot() throws Exception {
        Path outside = secretOutside("swoole.taskX");
        String sneaky = this.tmp + "/../" + this.other.getFileName() + "/swoole.taskX";
        assertThat(Path.of(sneaky)).exists();
        rejectedBetweenTwoValidTasks(spilled(1, SECRET.length, sneaky), RejectReason.SPILL_PATH);
        assertUntouched(outside);
    }

    @Test
    void spillFileWithHardLinks() throws Exception {
        Path outside = secretOutside("secret.bin");
        Files.createLink(this.tmp.resolve("swoole.taskHARD"), outside);
        rejectedBetweenTwoValidTasks(spilled(1, SECRET.length, this.tmp.resolve("swoole.taskHARD").toString()),
                RejectReason.SPILL_PATH);
        assertUntouched(outside);
    }

    @Test
    void missingSpillFile() {
        rejectedBetweenTwoValidTasks(spilled(1, 9000, this.tmp.resolve("swoole.taskNOPE").toString()),
                RejectReason.SPILL_MISSING);
    }

    @Test
    void spillFileOfTheWrongSize() throws Exception {
        Path file = Files.write(this.tmp.resolve("swoole.taskSIZE"), new byte[9000]);
        rejectedBetweenTwoValidTasks(spilled(1, 9001, file.toString()), RejectReason.SPILL_SIZE);
        assertThat(file).exists();
    }

    @Test
    void brokenSerializedData() {
        byte[] broken = "a:2:{i:0;s:1:\"x\";}".getBytes(StandardCharsets.US_ASCII);
        rejectedBetweenTwoValidTasks(frame(1, broken.length, 0, 7, TaskFlags.SERIALIZE | TaskFlags.NONBLOCK, broken),
                RejectReason.BAD_PAYLOAD);
        byte[] lying = "s:99:\"short\";".getBytes(StandardCharsets.US_ASCII);
        rejectedBetweenTwoValidTasks(frame(2, lying.length, 0, 7, TaskFlags.SERIALIZE | TaskFlags.NONBLOCK, lying),
                RejectReason.BAD_PAYLOAD);
    }

    @Test
    void brokenSerializedDataInASpillFile() throws Exception {
        byte[] broken = ("a:100000:{" + "i:0;s:1:\"x\";".repeat(900)).getBytes(StandardCharsets.US_ASCII);
        Path file = Files.write(this.tmp.resolve("swoole.taskSER"), broken);
        byte[] message = spilled(1, broken.length, file.toString(), TaskFlags.SERIALIZE | TaskFlags.NONBLOCK);
        rejectedBetweenTwoValidTasks(message, RejectReason.BAD_PAYLOAD);
        assertThat(file).as("a spill file whose payload was read is deleted even if the payload is bad")
            .doesNotExist();
    }

    @Test
    void oversize() {
        long msgmax = KernelLimits.read().msgmax();
        if (msgmax > TaskFrame.MAX_MESSAGE_SIZE) {
            // the kernel lets a bigger message through: the worker must refuse it
            byte[] big = frame(1, 8181, 0, 7, TaskFlags.NONBLOCK, new byte[8181]);
            rejectedBetweenTwoValidTasks(big, RejectReason.OVERSIZE);
        }
        else {
            // msgsnd itself refuses a message over kernel.msgmax, with a message that says so
            FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);
            assertThatThrownBy(() -> live().queue.send(buffer, 2, TaskFrame.MAX_MESSAGE_SIZE + 1, true))
                .isInstanceOf(MessageQueueException.class).hasMessageContaining("kernel.msgmax");
            // a full-size message whose length field claims more than arrived
            rejectedBetweenTwoValidTasks(frame(1, 8190, 0, 7, TaskFlags.NONBLOCK, new byte[8180]),
                    RejectReason.LENGTH_MISMATCH);
            rejectedBetweenTwoValidTasks(frame(2, 0xFFFF, 0, 7, TaskFlags.NONBLOCK, new byte[100]),
                    RejectReason.LENGTH_MISMATCH);
        }
        // and the decoder's own rule: more than 8192 bytes is oversize, whatever the header says
        ByteBuffer text = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1).frame();
        text.put(0, frame(3, 8181, 0, 7, 0, new byte[8181]));
        FrameRejectedException ex = catchThrowableOfType(FrameRejectedException.class,
                () -> new FrameDecoder(live().spill).decode(text, 8193, new DecodedTask()));
        assertThat(ex.reason()).isEqualTo(RejectReason.OVERSIZE);
    }

    @Test
    void badBatches() {
        // a frame inside the batch that is spilled
        byte[] inner = frame(5, 1, 0, 7, TaskFlags.TMPFILE, new byte[] { 'z' });
        byte[] batch = frame(0, inner.length, 0, 7, TaskFlags.BATCH | TaskFlags.NONBLOCK, inner);
        rejectedBetweenTwoValidTasks(batch, RejectReason.BAD_FLAGS);
        // stray bytes at the end of a batch
        byte[] stray = frame(0, 5, 0, 7, TaskFlags.BATCH, new byte[5]);
        rejectedBetweenTwoValidTasks(stray, RejectReason.BAD_FRAME);
        // a route that does not fit
        rejectedBetweenTwoValidTasks(frame(1, 2, 0, 7, TaskFlags.ROUTED, new byte[] { 9, 'a' }),
                RejectReason.BAD_FRAME);
    }

    @Test
    void aBatchWithABadFrameRunsTheFramesBeforeItAndIsRejectedOnce() {
        ByteBuffer text = ByteBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE).order(ByteOrder.nativeOrder());
        int end = FrameEncoder.appendToBatch(text, 12, task(null, null, "in-batch".getBytes(StandardCharsets.US_ASCII),
                0, 8), 77, 0, TaskFlags.NONBLOCK);
        byte[] bad = frame(78, 1, 0, 9, 0, new byte[] { 'x' });
        text.put(end, bad);
        end += bad.length;
        FrameEncoder.putBatchHeader(text, end - 12);
        byte[] batch = Arrays.copyOf(text.array(), end);
        LivePool pool = live();
        pool.sendText(1, "first");
        RawFrames.send(pool.queue, 2, batch);
        pool.sendText(2, "last");
        List<Received> received = pool.awaitReceived(3);
        assertThat(received).extracting(Received::text).containsExactly("first", "in-batch", "last");
        assertThat(pool.pool.statistics().rejectedCount(RejectReason.UNKNOWN_TYPE)).isEqualTo(1);
        assertThat(pool.pool.statistics().rejectedCount()).isEqualTo(1);
        pool.assertWorkersAlive();
    }

    @Test
    void everyCaseInOneDirectedPoolInTurn() throws Exception {
        this.live = LivePool.on(this.queues.queue(), IpcMode.MSGQUEUE, 2, LivePool.spillFiles(this.tmp));
        Path outside = secretOutside("swoole.taskALL");
        Map<RejectReason, byte[]> cases = new LinkedHashMap<>();
        cases.put(RejectReason.SHORT_HEADER, new byte[11]);
        cases.put(RejectReason.LENGTH_MISMATCH, frame(1, 4, 0, 7, 0, new byte[3]));
        cases.put(RejectReason.UNKNOWN_TYPE, frame(1, 0, 0, 0, 0, new byte[0]));
        cases.put(RejectReason.BAD_FLAGS, frame(1, 0, 0, 7, 0x8000, new byte[0]));
        cases.put(RejectReason.SPILL_PATH, spilled(1, SECRET.length, outside.toString()));
        cases.put(RejectReason.SPILL_MISSING, spilled(1, 1, this.tmp + "/swoole.taskMISSING"));
        cases.put(RejectReason.BAD_PAYLOAD, frame(1, 4, 0, 7, TaskFlags.SERIALIZE, "b:2;".getBytes()));
        for (Map.Entry<RejectReason, byte[]> c : cases.entrySet()) {
            rejectedBetweenTwoValidTasks(c.getValue(), c.getKey());
        }
        assertThat(this.live.pool.statistics().rejectedCount()).isEqualTo(cases.size());
        assertThat(this.live.received).hasSize(2 * cases.size())
            .allSatisfy((r) -> assertThat(r.workerId()).isZero());
        assertUntouched(outside);
    }
}
