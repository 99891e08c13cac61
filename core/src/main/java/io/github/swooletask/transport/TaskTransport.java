package io.github.swooletask.transport;

import io.github.swooletask.sysv.MessageBuffer;

/**
 * Carries encoded task frames from dispatchers to workers: a System V message queue (modes 2 and 3) or a Unix
 * socket (mode 1). Thread-safe; each worker uses its own {@link TaskReceiver}.
 */
public interface TaskTransport extends AutoCloseable {

    IpcMode mode();

    /** The receiver for worker {@code workerId} (0-based). */
    TaskReceiver receiver(int workerId);

    /**
     * Sends the first {@code length} bytes of the buffer's text.
     * @param workerId the target worker in mode 2 (0-based); ignored in the other modes
     * @param wait block while the queue is full; if false, return false at once instead
     * @return true when queued
     */
    boolean send(MessageBuffer buffer, int length, int workerId, boolean wait);

    /** Releases one receive of worker {@code workerId} that is blocked waiting, with a wake-up frame. */
    void wake(int workerId);

    /** The queue's state. */
    QueueStatus status();

    /**
     * Removes every waiting message.
     * @return how many were removed
     */
    long purge();

    /** Closes the transport; a private queue or the socket file is removed, a keyed queue stays. */
    @Override
    void close();
}
