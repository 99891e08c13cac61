package io.github.swooletask.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.swooletask.sysv.MessageBuffer;
import io.github.swooletask.sysv.MessageQueueException;
import io.github.swooletask.sysv.MessageQueue;
import io.github.swooletask.sysv.QueueRemovedException;
import io.github.swooletask.sysv.QueueStats;
import io.github.swooletask.wire.FrameEncoder;
import io.github.swooletask.wire.TaskFrame;

/**
 * Modes 2 and 3 over one System V message queue. In mode 2 worker {@code i} reads message type
 * {@code mtypeOffset + i}; in mode 3 every worker reads any type and Java dispatchers send type {@code mtypeOffset}.
 * With the default offset 2 the reference PHP client ({@code msg_send($q, 2, ...)}) reaches worker 0 in mode 2.
 * A queue removed under the running app is created again (with a WARN) and work goes on.
 */
public final class SysVTransport implements TaskTransport {

    private static final Logger logger = LoggerFactory.getLogger(SysVTransport.class);

    private final MessageQueue queue;

    private final IpcMode mode;

    private final long mtypeOffset;

    private final ThreadLocal<MessageBuffer> wakeBuffers = ThreadLocal.withInitial(() -> MessageBuffer.allocate(TaskFrame.HEADER_SIZE));

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
        long msgtyp = (this.mode == IpcMode.MSGQUEUE) ? mtypeOf(workerId) : 0;
        return (buffer) -> {
            while (!this.closed) {
                try {
                    return this.queue.receive(buffer, msgtyp, true);
                }
                catch (QueueRemovedException ex) {
                    if (this.closed) {
                        return -1;
                    }
                    recreate(ex);
                }
            }
            return -1;
        };
    }

    @Override
    public boolean send(MessageBuffer buffer, int length, int workerId, boolean wait) {
        long mtype = (this.mode == IpcMode.MSGQUEUE) ? mtypeOf(workerId) : this.mtypeOffset;
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

    @Override
    public void wake(int workerId) {
        MessageBuffer buffer = this.wakeBuffers.get();
        int length = FrameEncoder.encodeWake(buffer.text());
        long mtype = (this.mode == IpcMode.MSGQUEUE) ? mtypeOf(workerId) : this.mtypeOffset;
        try {
            // a full queue may hold only other workers' tasks: wait a little for room rather than leave one asleep
            for (int attempt = 0; !this.queue.send(buffer, mtype, length, false); attempt++) {
                if (attempt == 1000) {
                    logger.warn("Could not wake task worker {} within 1 s: queue {} is full", workerId, this.queue);
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
        }
        catch (QueueRemovedException ex) {
            // a blocked receiver saw the removal too and returns by itself
        }
    }

    @Override
    public QueueStatus status() {
        QueueStats stats = this.queue.stats();
        return new QueueStatus(this.mode, this.queue.isPrivate() ? "private" : this.queue.keyHex(), this.queue.id(),
                stats.modeOctal(), stats.messages(), stats.bytes(), stats.capacity(), stats.lastSenderPid(),
                stats.lastReceiverPid());
    }

    @Override
    public long purge() {
        MessageBuffer buffer = MessageBuffer.allocate(TaskFrame.MAX_MESSAGE_SIZE + 1);
        long removed = 0;
        while (this.queue.receive(buffer, 0, false) >= 0) {
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
}
