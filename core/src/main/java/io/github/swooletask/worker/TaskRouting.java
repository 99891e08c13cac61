package io.github.swooletask.worker;

import java.util.List;

import io.github.swooletask.wire.DecodedTask;

/**
 * Which tasks run on {@link ReservedWorkers} instead of on the shared worker that received them. Told to the pool
 * with {@link TaskWorkerPool#useReservedWorkers(TaskRouting)}; asked for its reserved workers at every start.
 */
public interface TaskRouting {

    /** What {@link #reservedFor} returns for a task the shared workers run themselves. */
    int SHARED = -1;

    /** The reserved workers to run, in the order {@link #reservedFor} indexes them. */
    List<ReservedWorkers> reservedWorkers();

    /** The index in {@link #reservedWorkers()} of the threads that run this task, or {@link #SHARED}. */
    int reservedFor(DecodedTask task);

    /**
     * A task that a stop gave up on: handed over but never begun by a reserved thread, or still running in a handler
     * that ignored the interrupt after the stop's timeout and grace time. It was taken from the transport, so it is
     * gone unless kept here (for example by a dead-letter recoverer). A handler that is still running may yet finish
     * it: such a task can be both handled and kept.
     * @param why what happened to it, e.g. {@code never begun by the reserved workers of 'thumbnails'}
     */
    void abandoned(DecodedTask task, String why);
}
