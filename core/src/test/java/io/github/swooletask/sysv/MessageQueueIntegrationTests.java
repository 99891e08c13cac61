package io.github.swooletask.sysv;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.swooletask.support.SysVQueueExtension;
import io.github.swooletask.transport.FrameBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@link MessageQueue} against the kernel's queues. */
class MessageQueueIntegrationTests {

    @RegisterExtension
    final SysVQueueExtension queues = SysVQueueExtension.privateQueue(0x51570001, 0x5157ffff);

    @Test
    void sendsAndReceivesByType() {
        MessageQueue queue = this.queues.queue();
        FrameBuffer out = FrameBuffer.allocate(64);
        FrameBuffer in = FrameBuffer.allocate(64);
        out.frame().put(0, "first".getBytes());
        assertThat(queue.send(out, 3, 5, true)).isTrue();
        out.frame().put(0, "second".getBytes());
        assertThat(queue.send(out, 2, 6, true)).isTrue();

        int n = queue.receive(in, 2, false);
        assertThat(n).isEqualTo(6);
        assertThat(MessageQueue.messageType(in)).isEqualTo(2);
        assertThat(text(in, n)).isEqualTo("second");

        n = queue.receive(in, 0, false);
        assertThat(MessageQueue.messageType(in)).isEqualTo(3);
        assertThat(text(in, n)).isEqualTo("first");
        assertThat(queue.receive(in, 0, false)).isEqualTo(-1);
    }

    @Test
    void statsReportDepthBytesCapacityAndPids() {
        MessageQueue queue = this.queues.createPrivate(0640);
        FrameBuffer out = FrameBuffer.allocate(32);
        queue.send(out, 7, 10, true);
        queue.send(out, 7, 20, true);
        QueueStats stats = queue.stats();
        assertThat(stats.messages()).isEqualTo(2);
        assertThat(stats.bytes()).isEqualTo(30);
        assertThat(stats.capacity()).isEqualTo(KernelLimits.read().msgmnb());
        assertThat(stats.lastSenderPid()).isEqualTo(MessageQueue.currentPid())
            .isEqualTo((int) ProcessHandle.current().pid());
        assertThat(stats.lastReceiverPid()).isZero();
        assertThat(stats.mode()).isEqualTo(0640);
        assertThat(stats.modeOctal()).isEqualTo("0640");
    }

    @Test
    void fullQueueRefusesWithoutWaiting() {
        MessageQueue queue = this.queues.queue();
        queue.setCapacity(100);
        FrameBuffer out = FrameBuffer.allocate(64);
        assertThat(queue.send(out, 1, 60, false)).isTrue();
        assertThat(queue.send(out, 1, 60, false)).isFalse();
        assertThat(queue.stats().messages()).isEqualTo(1);
    }

    @Test
    void longMessageIsTruncatedInsteadOfBlockingTheHead() {
        MessageQueue queue = this.queues.queue();
        FrameBuffer out = FrameBuffer.allocate(100);
        FrameBuffer small = FrameBuffer.allocate(16);
        queue.send(out, 1, 100, true);
        queue.send(out, 1, 5, true);
        assertThat(queue.receive(small, 0, false)).isEqualTo(16);
        assertThat(queue.receive(small, 0, false)).isEqualTo(5);
    }

    @Test
    void keyedQueueIsFoundAgainByKey() {
        int key = this.queues.freeKey();
        MessageQueue queue = MessageQueue.open(key, 0600);
        MessageQueue again = MessageQueue.openExisting(key);
        assertThat(again.id()).isEqualTo(queue.id());
        assertThat(again.keyHex()).isEqualTo(String.format("0x%08x", key));
    }

    @Test
    void missingQueueAndRemovedQueueSayWhatHappened() {
        int key = this.queues.freeKey();
        assertThatThrownBy(() -> MessageQueue.openExisting(key)).isInstanceOf(MessageQueueException.class)
            .hasMessageContaining("does not exist");
        MessageQueue queue = this.queues.queue();
        queue.remove();
        FrameBuffer out = FrameBuffer.allocate(16);
        assertThatThrownBy(() -> queue.send(out, 1, 4, true)).isInstanceOf(QueueRemovedException.class)
            .hasMessageContaining("was removed");
        assertThat(queue.exists()).isFalse();
        queue.recreate();
        assertThat(queue.exists()).isTrue();
        assertThat(queue.send(out, 1, 4, false)).isTrue();
    }

    @Test
    void blockedReceiverLearnsOfRemoval() throws Exception {
        MessageQueue queue = this.queues.queue();
        FrameBuffer in = FrameBuffer.allocate(16);
        Throwable[] failure = new Throwable[1];
        Thread receiver = new Thread(() -> {
            try {
                queue.receive(in, 0, true);
            }
            catch (Throwable ex) {
                failure[0] = ex;
            }
        });
        receiver.start();
        await("the receiver to block in msgrcv").atMost(Duration.ofSeconds(5))
            .until(() -> blockedInMsgrcv(receiver));
        queue.remove();
        receiver.join(5000);
        assertThat(receiver.isAlive()).isFalse();
        assertThat(failure[0]).isInstanceOf(QueueRemovedException.class);
    }

    @Test
    void oversizeSendNamesMsgmax() {
        MessageQueue queue = this.queues.queue();
        long msgmax = KernelLimits.read().msgmax();
        FrameBuffer out = FrameBuffer.allocate((int) msgmax + 10);
        assertThatThrownBy(() -> queue.send(out, 1, (int) msgmax + 1, false))
            .isInstanceOf(MessageQueueException.class).hasMessageContaining("kernel.msgmax");
    }

    /** Whether the thread is inside the native msgrcv call (a blocked receive). */
    private static boolean blockedInMsgrcv(Thread thread) {
        StackTraceElement[] stack = thread.getStackTrace();
        return stack.length > 0 && stack[0].isNativeMethod()
                && Arrays.stream(stack).anyMatch((frame) -> frame.getMethodName().equals("msgrcv"));
    }

    private static String text(FrameBuffer buffer, int n) {
        byte[] bytes = new byte[n];
        ByteBuffer text = buffer.frame();
        text.get(0, bytes);
        return new String(bytes);
    }
}
