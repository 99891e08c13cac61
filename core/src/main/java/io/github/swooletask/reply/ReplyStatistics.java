package io.github.swooletask.reply;

import java.util.concurrent.atomic.LongAdder;

/** Totals of the replies to other programs: sent, refused before the task ran, and undeliverable. */
public final class ReplyStatistics {

    private final LongAdder sent = new LongAdder();

    private final LongAdder refused = new LongAdder();

    private final LongAdder undeliverable = new LongAdder();

    void sent() {
        this.sent.increment();
    }

    void refused() {
        this.refused.increment();
    }

    void undeliverable() {
        this.undeliverable.increment();
    }

    /** Replies put on the caller's queue. */
    public long sentCount() {
        return this.sent.sum();
    }

    /** Tasks refused because their reply queue failed the rule or did not exist. */
    public long refusedCount() {
        return this.refused.sum();
    }

    /** Replies dropped because the caller's queue stayed full or was gone. */
    public long undeliverableCount() {
        return this.undeliverable.sum();
    }
}
