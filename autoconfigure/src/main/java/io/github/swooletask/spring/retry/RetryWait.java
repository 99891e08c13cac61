package io.github.swooletask.spring.retry;

import java.time.Duration;

import io.github.swooletask.concurrent.BackoffIdleStrategy;
import io.github.swooletask.concurrent.IdleStrategy;

/**
 * The wait between two runs of a failed task, which a shutdown ends at once: parks of at most 10 ms that look at a
 * flag, instead of one uninterruptible sleep. After {@link #shutdown()} no wait starts until {@link #startup()}.
 * Thread-safe.
 */
public final class RetryWait {

    private static final IdleStrategy PARKS = new BackoffIdleStrategy(0, 0, Duration.ofMillis(1), Duration.ofMillis(10));

    private volatile boolean shutDown;

    /** Lets waits run again after {@link #shutdown()}. */
    public void startup() {
        this.shutDown = false;
    }

    /** Ends every wait now, and every wait asked for later returns at once. */
    public void shutdown() {
        this.shutDown = true;
    }

    public boolean isShutDown() {
        return this.shutDown;
    }

    /**
     * Waits {@code millis} milliseconds.
     * @return true when the time is up, false when a shutdown ended the wait (or came before it)
     * @throws InterruptedException when the thread was interrupted; its flag is cleared
     */
    public boolean await(long millis) throws InterruptedException {
        if (this.shutDown) {
            return false;
        }
        boolean due = PARKS.idleUntil(System.nanoTime() + millis * 1_000_000L,
                () -> this.shutDown || Thread.currentThread().isInterrupted());
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while waiting to run a task again");
        }
        return due && !this.shutDown;
    }
}
