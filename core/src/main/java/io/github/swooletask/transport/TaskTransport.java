package io.github.swooletask.transport;

/**
 * Carries encoded task frames from dispatchers to workers: a System V message queue ({@code sysv}, modes 2 and 3),
 * a Unix socket ({@code unix}, mode 1) or memory ({@code memory}, for tests). Thread-safe; each worker uses its own
 * {@link TaskReceiver}.
 */
public interface TaskTransport extends AutoCloseable {

    /** The target of a frame that any worker may take. */
    int ANY_WORKER = -1;

    IpcMode mode();

    /** The receiver for worker {@code workerId} (0-based). */
    TaskReceiver receiver(int workerId);

    /**
     * Sends the first {@code length} bytes of the buffer's frame.
     * @param workerId the target worker in mode 2 (0-based), or {@link #ANY_WORKER}; ignored in the other modes
     * @param wait block while the queue is full; if false, return false at once instead
     * @return true when queued
     */
    boolean send(FrameBuffer buffer, int length, int workerId, boolean wait);

    /**
     * Where the reply to a task goes that another program posted with a reply address ({@code REPLY_TO}): checked
     * before the task runs. A transport that cannot reach other programs' queues refuses every one.
     * @param replyKey the key the task named
     * @param replyMtype the message type the reply gets (at least 1)
     * @throws ReplyRefusedException when no reply may go there
     */
    default ReplyTarget replyTarget(int replyKey, long replyMtype) {
        throw new ReplyRefusedException("the " + mode().label() + " transport cannot reply to other programs; post"
                + " such tasks to a System V queue (ipc-mode 2 or 3)");
    }

    /** Releases one receive of worker {@code workerId} that is blocked waiting, with a wake-up frame. */
    void wake(int workerId);

    /** The queue's state. */
    QueueStatus status();

    /**
     * Removes every waiting frame.
     * @return how many were removed
     */
    long purge();

    /** Closes the transport; a private queue or the socket file is removed, a keyed queue stays. */
    @Override
    void close();
}
