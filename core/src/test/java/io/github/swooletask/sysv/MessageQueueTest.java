package io.github.swooletask.sysv;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

import io.github.swooletask.transport.FrameBuffer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageQueueTest {

    private MessageQueue queue;

    @AfterEach
    void removeQueue() {
        if (this.queue != null) {
            this.queue.remove();
        }
    }

    @Test
    void sendsAndReceivesByType() {
        this.queue = MessageQueue.createPrivate(0600);
        FrameBuffer out = FrameBuffer.allocate(64);
        FrameBuffer in = FrameBuffer.allocate(64);
        out.frame().put(0, "first".getBytes());
        assertThat(this.queue.send(out, 3, 5, true)).isTrue();
        out.frame().put(0, "second".getBytes());
        assertThat(this.queue.send(out, 2, 6, true)).isTrue();

        int n = this.queue.receive(in, 2, false);
        assertThat(n).isEqualTo(6);
        assertThat(MessageQueue.messageType(in)).isEqualTo(2);
        assertThat(text(in, n)).isEqualTo("second");

        n = this.queue.receive(in, 0, false);
        assertThat(MessageQueue.messageType(in)).isEqualTo(3);
        assertThat(text(in, n)).isEqualTo("first");
        assertThat(this.queue.receive(in, 0, false)).isEqualTo(-1);
    }

    @Test
    void statsReportDepthBytesCapacityAndPids() {
        this.queue = MessageQueue.createPrivate(0640);
        FrameBuffer out = FrameBuffer.allocate(32);
        this.queue.send(out, 7, 10, true);
        this.queue.send(out, 7, 20, true);
        QueueStats stats = this.queue.stats();
        assertThat(stats.messages()).isEqualTo(2);
        assertThat(stats.bytes()).isEqualTo(30);
        assertThat(stats.capacity()).isEqualTo(KernelLimits.read().msgmnb());
        assertThat(stats.lastSenderPid()).isEqualTo(MessageQueue.currentPid()).isEqualTo((int) ProcessHandle.current().pid());
        assertThat(stats.lastReceiverPid()).isZero();
        assertThat(stats.mode()).isEqualTo(0640);
        assertThat(stats.modeOctal()).isEqualTo("0640");
    }

    @Test
    void fullQueueRefusesWithoutWaiting() {
        this.queue = MessageQueue.createPrivate(0600);
        this.queue.setCapacity(100);
        FrameBuffer out = FrameBuffer.allocate(64);
        assertThat(this.queue.send(out, 1, 60, false)).isTrue();
        assertThat(this.queue.send(out, 1, 60, false)).isFalse();
        assertThat(this.queue.stats().messages()).isEqualTo(1);
    }

    @Test
    void longMessageIsTruncatedInsteadOfBlockingTheHead() {
        this.queue = MessageQueue.createPrivate(0600);
        FrameBuffer out = FrameBuffer.allocate(100);
        FrameBuffer small = FrameBuffer.allocate(16);
        this.queue.send(out, 1, 100, true);
        this.queue.send(out, 1, 5, true);
        assertThat(this.queue.receive(small, 0, false)).isEqualTo(16);
        assertThat(this.queue.receive(small, 0, false)).isEqualTo(5);
    }

    @Test
    void keyedQueueIsFoundAgainByKey() {
        int key = 0x51570000 | ThreadLocalRandom.current().nextInt(0x10000);
        this.queue = MessageQueue.open(key, 0600);
        MessageQueue again = MessageQueue.openExisting(key);
        assertThat(again.id()).isEqualTo(this.queue.id());
        assertThat(again.keyHex()).isEqualTo(String.format("0x%08x", key));
    }

    @Test
    void missingQueueAndRemovedQueueSayWhatHappened() {
        int key = 0x51580000 | ThreadLocalRandom.current().nextInt(0x10000);
        assertThatThrownBy(() -> MessageQueue.openExisting(key)).isInstanceOf(MessageQueueException.class)
            .hasMessageContaining("does not exist");
        this.queue = MessageQueue.createPrivate(0600);
        this.queue.remove();
        FrameBuffer out = FrameBuffer.allocate(16);
        assertThatThrownBy(() -> this.queue.send(out, 1, 4, true)).isInstanceOf(QueueRemovedException.class)
            .hasMessageContaining("was removed");
        assertThat(this.queue.exists()).isFalse();
        this.queue.recreate();
        assertThat(this.queue.exists()).isTrue();
        assertThat(this.queue.send(out, 1, 4, false)).isTrue();
    }

    @Test
    void blockedReceiverLearnsOfRemoval() throws Exception {
        this.queue = MessageQueue.createPrivate(0600);
        FrameBuffer in = FrameBuffer.allocate(16);
        Throwable[] failure = new Throwable[1];
        Thread receiver = new Thread(() -> {
            try {
                this.queue.receive(in, 0, true);
            }
            catch (Throwable ex) {
                failure[0] = ex;
            }
        });
        receiver.start();
        Thread.sleep(100);
        this.queue.remove();
        receiver.join(5000);
        assertThat(receiver.isAlive()).isFalse();
        assertThat(failure[0]).isInstanceOf(QueueRemovedException.class);
    }

    @Test
    void oversizeSendNamesMsgmax() {
        this.queue = MessageQueue.createPrivate(0600);
        long msgmax = KernelLimits.read().msgmax();
        FrameBuffer out = FrameBuffer.allocate((int) msgmax + 10);
        assertThatThrownBy(() -> this.queue.send(out, 1, (int) msgmax + 1, false))
            .isInstanceOf(MessageQueueException.class).hasMessageContaining("kernel.msgmax");
    }

    private static String text(FrameBuffer buffer, int n) {
        byte[] bytes = new byte[n];
        ByteBuffer text = buffer.frame();
        text.get(0, bytes);
        return new String(bytes);
    }
}
