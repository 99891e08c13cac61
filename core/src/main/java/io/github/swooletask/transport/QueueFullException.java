package io.github.swooletask.transport;

/**
 * A task could not be queued in time because the queue is full. The message says how full it is and which kernel
 * setting or property to raise; the task was not sent.
 */
public class QueueFullException extends RuntimeException {

    public QueueFullException(String message) {
        super(message);
    }
}
