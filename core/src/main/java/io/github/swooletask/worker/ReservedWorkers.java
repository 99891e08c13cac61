package io.github.swooletask.worker;

/**
 * Threads kept for the tasks of one handler, so that a slow handler cannot take every shared worker: the shared
 * workers still receive and decode its tasks, then hand each to one of these threads and go on with the next.
 * @param id the handler's id, in thread names and logs
 * @param threads how many threads run the handler's tasks at most at once
 * @param autoStartup whether the threads start with the pool; otherwise they wait for
 * {@link TaskWorkerPool#startReserved(String)}, while the handler's tasks wait for them (see {@link #BACKLOG_PER_THREAD})
 * @param batchSize the most tasks a thread gives the processor at once ({@link TaskProcessor#processBatch}): those
 * waiting when it takes the next, never waiting for more; 1 for one task at a time
 */
public record ReservedWorkers(String id, int threads, boolean autoStartup, int batchSize) {

    /**
     * Tasks handed over and not yet started that the reserved threads hold, per thread (or a batch's worth, when
     * more). Once that many wait, the shared worker that brings the next one waits for room: the queue, not memory,
     * keeps the backlog.
     */
    public static final int BACKLOG_PER_THREAD = 16;

    /** The most tasks of one batch. */
    public static final int MAX_BATCH_SIZE = 10_000;

    public ReservedWorkers {
        if (id.isBlank()) {
            throw new IllegalArgumentException("reserved workers need the id of their handler");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("reserved workers of '" + id + "' need at least 1 thread, had "
                    + threads);
        }
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("reserved workers of '" + id + "' take batches of 1 to "
                    + MAX_BATCH_SIZE + " tasks, not " + batchSize);
        }
    }

    /** Threads that run one task at a time. */
    public ReservedWorkers(String id, int threads, boolean autoStartup) {
        this(id, threads, autoStartup, 1);
    }

    /** How many handed-over tasks the threads hold before the shared workers wait. */
    int backlogCapacity() {
        return this.threads * Math.max(BACKLOG_PER_THREAD, this.batchSize);
    }
}
