package io.github.swooletask.sysv;

/** The queue was removed (for example with {@code ipcrm}) while this process was using it. */
public class QueueRemovedException extends MessageQueueException {

    public QueueRemovedException(String message, int errno) {
        super(message, errno);
    }
}
