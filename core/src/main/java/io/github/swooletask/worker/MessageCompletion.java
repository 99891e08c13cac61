package io.github.swooletask.worker;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Completes a received message once every task of it is done, when some of them ran on reserved workers: one hold
 * for the receiving worker, one per task handed over; the last release runs the transport's completion.
 */
final class MessageCompletion {

    private final AtomicInteger holds = new AtomicInteger(1);

    private final Runnable complete;

    MessageCompletion(Runnable complete) {
        this.complete = complete;
    }

    void retain() {
        this.holds.incrementAndGet();
    }

    void release() {
        if (this.holds.decrementAndGet() == 0) {
            this.complete.run();
        }
    }
}
