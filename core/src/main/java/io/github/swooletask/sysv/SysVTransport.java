package io.github.swooletask.sysv;

import java.time.Duration;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.concurrent.IdleStrategy;
import io.github.swooletask.transport.DroppedFrames;
import io.github.swooletask.transport.FrameBuffer;
import io.github.swooletask.transport.IpcMode;
import io.github.swooletask.transport.QueueStatus;
import io.github.swooletask.transport.ReplyRefusedException;
import io.github.swooletask.transport.ReplyTarget;
import io.github.swooletask.transport.TaskReceiver;
import io.github.swooletask.transport.TaskTransport;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.TaskFrame;

/**
 * Modes 2 and 3 over one System V message queue. In mode 2 worker {@code i} reads message type
 * {@code mtypeOffset + i}; in mode 3 every worker reads any type and Java dispatchers send type {@code mtypeOffset}.
 * With the default offset 2 the reference PHP client ({@code msg_send($q, 2, ...)}) reaches worker 0 in mode 2.
 * A worker looks for its next message a few times without sleeping before it blocks ({@link #RECEIVE_POLLS}).
 * A queue removed under the running app is created again (with a WARN) and work goes on. Each received frame's
 * {@value #MTYPE} is in its {@link TaskReceiver#delivery()}.
 */
public final class SysVTransport implements TaskTransport {

    /** The delivery attribute that holds the message type a frame arrived with. */
    public static final String MTYPE = "mtype";

    private static final Logger logger = LoggerFactory.getLogger(SysVTransport.class);

    /** How long a wake-up frame waits for room in a full queue, in 1 ms steps. */
    private static final int WAKE_ATTEMPTS = 1000;

    private static final IdleStrategy WAKE_IDLE = BackoffIdleStrategy.parking(Duration.ofMillis(1));

    /**
     * How many times a worker looks for its next message without sleeping (yielding the CPU between looks) before
     * it blocks in {@code msgrcv}. A message sent while a worker is still finishing its last task is then
     * taken without waking a sleeping worker, a wake-up that costs the sender more than the send itself (see the
     * bench's README). An idle worker pays about ten system calls once, then sleeps.
     */
    static final int RECEIVE_POLLS = 10;

    /**
     * A failed look of one message type (mode 2) that took longer than this walked a long queue of other workers'
     * messages (an empty or short queue answers in about a microsecond): the worker stops looking and blocks, so
     * looking adds at most one long walk to the one its blocking receive makes.
     */
    static final long LONG_LOOK_NANOS = 5_000;

    private final MessageQueue queue;

    private final IpcMode mode;

    private final long mtypeOffset;

    private final ThreadLocal<FrameBuffer> wakeBuffers = ThreadLocal
        .withInitial(() -> FrameBuffer.allocate(TaskFrame.HEADER_SIZE));

    private volatile boolean closed;

    /**
     * @param queue the queue, private or keyed
     * @param mode {@link IpcMode#MSGQUEUE} or {@link IpcMode#MSGQUEUE_PREEMPTIVE}
     * @param mtypeOffset the message type of worker 0 in mode 2, and of every Java-dispatched task in mode 3 (at least 1)
     */
    public SysVTransport(MessageQueue queue, IpcMode mode, long mtypeOffset) {
        if (!mode.usesMessageQueue()) {
            throw new IllegalArgumentException("SysVTransport serves modes 2 and 3, not " + mode);
        }
        if (mtypeOffset < 1) {
            throw new IllegalArgumentException("the message type offset must be at least 1, was " + mtypeOffset);
        }
        this.queue = queue;
        this.mode = mode;
        this.mtypeOffset = mtypeOffset;
    }

    @Override
    public IpcMode mode() {
        return this.mode;
    }

    /** The queue handle. */
    public MessageQueue queue() {
        return this.queue;
    }

    /** The message type worker {@code workerId} reads in mode 2. */
    public long mtypeOf(int workerId) {
        return this.mtypeOffset + Math.max(workerId, 0);
    }

    @Override
    public TaskReceiver receiver(int workerId) {
        return new Receiver((this.mode == IpcMode.MSGQUEUE) ? mtypeOf(workerId) : 0);
    }

    @Override
    public boolean send(FrameBuffer buffer, int length, int workerId, boolean wait) {
        long mtype = sendType(workerId);
        while (true) {
            try {
                return this.queue.send(buffer, mtype, length, wait);
            }
            catch (QueueRemovedException ex) {
                if (this.closed) {
                    throw ex;
                }
                recreate(ex);
            }
        }
    }

    private long sendType(int workerId) {
        return (this.mode == IpcMode.MSGQUEUE) ? mtypeOf(workerId) : this.mtypeOffset;
    }

    @Override
    public void wake(int workerId) {
        FrameBuffer buffer = this.wakeBuffers.get();
        int length = FrameEncoder.encodeWake(buffer.frame());
        long mtype = sendType(workerId);
        try {
            // a full queue may hold only other workers' tasks: wait a little for room rather than leave one asleep
            for (int attempt = 0; !this.queue.send(buffer, mtype, length, false); attempt++) {
                if (attempt == WAKE_ATTEMPTS) {
                    logger.warn("Could not wake task worker {} within 1 s: queue {} is full", workerId, this.queue);
                    return;
                }
                WAKE_IDLE.idle(attempt);
            }
        }
        catch (QueueRemovedException ex) {
            // a blocked receiver saw the removal too and returns by itself
        }
    }

    /**
     * Opens the reply queue a task named and checks it against the {@link ReplyTargetRule}: a queue that not every
     * poster of this task queue could write to is refused.
     */
    @Override
    public ReplyTarget replyTarget(int replyKey, long replyMtype) {
        String key = String.format("0x%08x", replyKey);
        MessageQueue reply;
        QueueStats replyStats;
        QueueStats taskStats;
        try {
            reply = MessageQueue.openExisting(replyKey);
            replyStats = reply.stats();
            taskStats = this.queue.stats();
        }
        catch (MessageQueueException ex) {
            throw new ReplyRefusedException("reply queue " + key + " cannot be used: " + ex.getMessage());
        }
        int self = MessageQueue.currentUid();
        String problem = ReplyTargetRule.check(taskStats, replyStats, self);
        if (problem != null) {
            throw new ReplyRefusedException("reply queue " + key + " refused: " + problem);
        }
        return new SysVReplyTarget(reply, replyMtype, replyStats.creatorUid() == self, replyStats.ownerGid());
    }

    @Override
    public QueueStatus status() {
        QueueStats stats = this.queue.stats();
        return new QueueStatus(this.mode, this.queue.isPrivate() ? "private" : this.queue.keyHex(), this.queue.id(),
                stats.modeOctal(), stats.messages(), stats.bytes(), stats.capacity(), stats.lastSenderPid(),
                stats.lastReceiverPid());
    }

    @Override
    public long purge(DroppedFrames dropped) {
        FrameBuffer buffer = FrameBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);
        long removed = 0;
        int length;
        while ((length = this.queue.receive(buffer, 0, false)) >= 0) {
            dropped.dropped(buffer.frame(), length);
            removed++;
        }
        return removed;
    }

    private synchronized void recreate(QueueRemovedException cause) {
        if (this.queue.exists()) {
            // another thread recreated it, or it was never gone: a repeated failure is not a removal
            if (this.queue.id() == cause.queueId()) {
                throw new MessageQueueException(cause.getMessage().replace("was removed", "failed")
                        + "; the queue still exists, so this is not a removal", cause.errno());
            }
            return;
        }
        int id = this.queue.recreate();
        logger.warn("Task queue was removed while in use ({}); created it again as id {}: messages that were in it"
                + " are gone", cause.getMessage(), id);
    }

    @Override
    public void close() {
        this.closed = true;
        if (this.queue.isPrivate()) {
            this.queue.remove();
        }
    }

    @Override
    public String toString() {
        return "SysVTransport[" + this.queue + ", mode " + this.mode.number() + "]";
    }

    /** One worker's receiver: its message type (0 = any) and the type of the frame it took last. */
    private final class Receiver implements TaskReceiver {

        private final long msgtyp;

        private long lastType;

        Receiver(long msgtyp) {
            this.msgtyp = msgtyp;
        }

        @Override
        public int receive(FrameBuffer buffer) {
            SysVTransport transport = SysVTransport.this;
            while (!transport.closed) {
                try {
                    int length = poll(buffer);
                    if (length < 0) {
                        length = transport.queue.receive(buffer, this.msgtyp, true);
                    }
                    this.lastType = MessageQueue.messageType(buffer);
                    return length;
                }
                catch (QueueRemovedException ex) {
                    if (transport.closed) {
                        return CLOSED;
                    }
                    transport.recreate(ex);
                }
            }
            return CLOSED;
        }

        /**
         * Up to {@link #RECEIVE_POLLS} non-blocking receives with the CPU yielded between them, before the receive
         * that sleeps. In mode 2 a receive of one type walks past the other workers' messages: a look that took
         * longer than {@link #LONG_LOOK_NANOS} (a long queue of those) ends the looking.
         * @return the text length, or -1 when none came
         */
        private int poll(FrameBuffer buffer) {
            MessageQueue queue = SysVTransport.this.queue;
            boolean typed = this.msgtyp != 0;
            for (int i = 0; i < RECEIVE_POLLS; i++) {
                long start = typed ? System.nanoTime() : 0;
                int length = queue.receive(buffer, this.msgtyp, false);
                if (length >= 0) {
                    return length;
                }
                if (typed && System.nanoTime() - start > LONG_LOOK_NANOS) {
                    return -1;
                }
                Thread.yield();
            }
            return -1;
        }

        @Override
        public Map<String, Object> delivery() {
            return Map.of(MTYPE, this.lastType);
        }
    }
}
