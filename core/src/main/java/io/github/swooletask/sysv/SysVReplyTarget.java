package io.github.swooletask.sysv;

import java.time.Duration;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.concurrent.IdleStrategy;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.ReplyTarget;

/** A reply queue that passed the {@link ReplyTargetRule}, with the message type the reply gets. */
final class SysVReplyTarget implements ReplyTarget {

    /** Between tries to put a reply into a full reply queue: park 50 us doubling to 5 ms. */
    private static final IdleStrategy FULL_WAIT = new BackoffIdleStrategy(0, 0, Duration.ofNanos(50_000),
            Duration.ofMillis(5));

    private final MessageQueue queue;

    private final long mtype;

    private final boolean sameUser;

    private final int groupId;

    SysVReplyTarget(MessageQueue queue, long mtype, boolean sameUser, int groupId) {
        this.queue = queue;
        this.mtype = mtype;
        this.sameUser = sameUser;
        this.groupId = groupId;
    }

    @Override
    public boolean sameUser() {
        return this.sameUser;
    }

    @Override
    public int groupId() {
        return this.groupId;
    }

    @Override
    public boolean send(FrameBuffer buffer, int length, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (int attempt = 0; !this.queue.send(buffer, this.mtype, length, false); attempt++) {
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                FULL_WAIT.idle(attempt);
            }
            return true;
        }
        catch (MessageQueueException ex) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "reply queue " + this.queue.keyHex() + " type " + this.mtype;
    }
}
