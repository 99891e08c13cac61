package io.github.swooletask.dispatch;

import java.util.concurrent.atomic.LongAdder;

/**
 * The messages a dispatcher sent, alone or as batches: how many, and how large the last one was (with the count
 * the workers took, that tells how much of the queue they fill). Thread-safe; the size is a racy hint.
 */
final class SentMessages {

    private final LongAdder count = new LongAdder();

    private volatile int lastBytes;

    void sent(int bytes) {
        this.count.increment();
        if (this.lastBytes != bytes) {
            this.lastBytes = bytes;
        }
    }

    long count() {
        return this.count.sum();
    }

    /** The size of the last message sent, in bytes, or 0 before the first. */
    int lastBytes() {
        return this.lastBytes;
    }
}
