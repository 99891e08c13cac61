package io.github.swooletask.dispatch;

import java.util.concurrent.atomic.LongAdder;

/** Totals of a dispatcher: tasks queued, refused because the queue was full, and failed otherwise. */
public final class DispatchStatistics {

    private final LongAdder queued = new LongAdder();

    private final LongAdder full = new LongAdder();

    private final LongAdder error = new LongAdder();

    void queued(int n) {
        this.queued.add(n);
    }

    void full() {
        this.full.increment();
    }

    void error() {
        this.error.increment();
    }

    /** Tasks put on the queue. */
    public long queuedCount() {
        return this.queued.sum();
    }

    /** Dispatches refused because the queue stayed full. */
    public long fullCount() {
        return this.full.sum();
    }

    /** Dispatches that failed for another reason (queue removed, permissions, oversize payload). */
    public long errorCount() {
        return this.error.sum();
    }
}
