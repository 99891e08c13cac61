package io.github.swooletask.dispatch;

/** What a dispatch does when the queue is full. Neither drops a task silently. */
public enum FullQueuePolicy {

    /** Wait for room up to the dispatch timeout, then throw {@link io.github.swooletask.transport.QueueFullException}. */
    BLOCK,

    /** Throw {@link io.github.swooletask.transport.QueueFullException} at once. */
    FAIL
}
