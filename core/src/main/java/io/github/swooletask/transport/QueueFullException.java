package io.github.swooletask.transport;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * A task could not be queued in time because the queue is full; the task was not sent. The message states how full
 * the queue was; {@link #waited()} says how long the dispatch waited for room (null: it failed at once).
 */
public class QueueFullException extends RuntimeException {

    private final IpcMode mode;

    private final @Nullable Duration waited;

    private final boolean closing;

    /**
     * @param message what happened, with the queue's state
     * @param mode the transport's mode
     * @param waited how long the dispatch waited for room, or null when it did not wait
     * @param closing whether the dispatcher was closing, which ends every wait
     */
    public QueueFullException(String message, IpcMode mode, @Nullable Duration waited, boolean closing) {
        super(message);
        this.mode = mode;
        this.waited = waited;
        this.closing = closing;
    }

    /** A copy with more words at the end of the message (advice added by an integration), same facts. */
    public QueueFullException withAdvice(String advice) {
        QueueFullException copy = new QueueFullException(getMessage() + advice, this.mode, this.waited, this.closing);
        copy.initCause(this);
        return copy;
    }

    public IpcMode mode() {
        return this.mode;
    }

    /** How long the dispatch waited for room; null when it failed at once. */
    public @Nullable Duration waited() {
        return this.waited;
    }

    /** Whether the dispatcher was closing. */
    public boolean closing() {
        return this.closing;
    }
}
