package io.github.swooletask.transport;

/**
 * A reply cannot go where a task asked: the queue does not exist, this transport cannot reach other programs, or
 * the queue is one the task's sender may not have been allowed to write to. The message says which.
 */
public class ReplyRefusedException extends RuntimeException {

    public ReplyRefusedException(String message) {
        super(message);
    }
}
