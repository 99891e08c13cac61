package io.github.swooletask.sysv;

/** The queue was removed (for example with {@code ipcrm}) while this process was using it. */
public class QueueRemovedException extends MessageQueueException {

    private final int queueId;

    public QueueRemovedException(String message, int errno, int queueId) {
        super(message, errno);
        this.queueId = queueId;
    }

    /** The id of the queue the failed call used. */
    public int queueId() {
        return this.queueId;
    }
}
