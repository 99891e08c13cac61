package io.github.swooletask.worker;

/** What a task worker is doing. */
public enum WorkerState {

    /** Created, not started. */
    NEW,
    /** Waiting for a message: idle. */
    RECEIVING,
    /** Running a task. */
    BUSY,
    /** Paused by an operator; not receiving. */
    PAUSED,
    /** Ended normally. */
    STOPPED,
    /** Ended by an unexpected error. */
    DIED
}
