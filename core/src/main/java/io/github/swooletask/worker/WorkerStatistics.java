package io.github.swooletask.worker;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.github.swooletask.wire.RejectReason;

/** Totals of a worker pool since it was made; thread-safe, cheap to update. */
public final class WorkerStatistics {

    private final LongAdder received = new LongAdder();

    private final LongAdder processed = new LongAdder();

    private final LongAdder failed = new LongAdder();

    private final Map<RejectReason, LongAdder> rejected = new EnumMap<>(RejectReason.class);

    WorkerStatistics() {
        for (RejectReason reason : RejectReason.values()) {
            this.rejected.put(reason, new LongAdder());
        }
    }

    void received() {
        this.received.increment();
    }

    /** Messages taken from the transport (a batch counts once, wake-up frames too). */
    public long receivedCount() {
        return this.received.sum();
    }

    void processed() {
        this.processed.increment();
    }

    void failed() {
        this.failed.increment();
    }

    void rejected(RejectReason reason) {
        this.rejected.get(reason).increment();
    }

    /** Tasks whose handler returned normally. */
    public long processedCount() {
        return this.processed.sum();
    }

    /** Tasks whose handler threw. */
    public long failedCount() {
        return this.failed.sum();
    }

    /** Messages rejected for this reason. */
    public long rejectedCount(RejectReason reason) {
        return this.rejected.get(reason).sum();
    }

    /** Messages rejected for any reason. */
    public long rejectedCount() {
        long sum = 0;
        for (LongAdder adder : this.rejected.values()) {
            sum += adder.sum();
        }
        return sum;
    }
}
