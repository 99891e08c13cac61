package io.github.swooletask.worker;

/**
 * How many lines of one kind a log may take: a burst per second, then only a count of what was left out, said with
 * the next line that is logged. Shared by the threads that log that kind; thread-safe.
 */
public final class LogRateLimit {

    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final int burst;

    private long windowStart = System.nanoTime() - WINDOW_NANOS;

    private int inWindow;

    private long suppressed;

    /** @param burst lines a second */
    public LogRateLimit(int burst) {
        this.burst = burst;
    }

    /**
     * Whether to log a line now.
     * @return -1 to leave it out (it is counted); otherwise how many were left out before it (to say with it)
     */
    public synchronized long admit() {
        long now = System.nanoTime();
        if (now - this.windowStart >= WINDOW_NANOS) {
            this.windowStart = now;
            this.inWindow = 0;
        }
        if (++this.inWindow > this.burst) {
            this.suppressed++;
            return -1;
        }
        long left = this.suppressed;
        this.suppressed = 0;
        return left;
    }
}
